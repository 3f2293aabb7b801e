"""Recording what a fetch found: a new article, a new version, or "unchanged".

Each function works inside the caller's transaction, so one page is stored whole or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, bindparam, insert, select, update
from sqlalchemy.orm import Session

from storage.changes import Change, ChangeRules, Verdict, judge
from storage.entities import record_mentions
from storage.events import add_event
from storage.fingerprint import fingerprint
from storage.html_blobs import pack
from storage.models import Article, FetchState, HtmlBlob, Source, Version, table_of
from storage.new_version import NewVersion
from storage.records import FetchedPage
from storage.search import index_version


class Outcome(StrEnum):
    NEW_ARTICLE = "new_article"
    NEW_VERSION = "new_version"
    UNCHANGED = "unchanged"
    REFUSED = "refused"  # e.g. a paywall stub where an article was: a failed fetch


@dataclass(frozen=True)
class Recorded:
    """What record_page did, for the run's tallies."""

    outcome: Outcome
    version: int | None = None
    change_kind: str | None = None
    reason: str = ""
    new_entities: int = 0


NO_RULES = ChangeRules()
# An article is flagged removed after this many 404/410 answers in a row (one may be a blip).
GONE_CHECKS = 2
# The statements of record_page, built once: building and cache-keying a statement on each
# call cost more than running it. Rows are written with Core, not the ORM's unit of work, which
# cost several times the statement for the one row it writes; an edited article, already
# loaded to compare with, is the one row updated through the ORM. They run on the session's
# connection, which skips the Session's own execute (half the cost of a statement) and its
# autoflush: no row they read or point to is ever left pending in the ORM.
_ARTICLES, _VERSIONS = table_of(Article), table_of(Version)
_BLOBS, _STATES = table_of(HtmlBlob), table_of(FetchState)
_SOURCE_ID = select(Source.id).where(Source.name == bindparam("name"))
_ARTICLE = select(Article).where(Article.url == bindparam("url"))
_ADD_ARTICLE = insert(_ARTICLES).returning(_ARTICLES.c.id)
_SET_LATEST = update(_ARTICLES).where(_ARTICLES.c.id == bindparam("article"))
_ADD_VERSION = insert(_VERSIONS).returning(_VERSIONS.c.id)
_BLOB_ID = select(HtmlBlob.id).where(HtmlBlob.sha256 == bindparam("sha"))
_ADD_BLOB = insert(_BLOBS).returning(_BLOBS.c.id)
_STATE = select(FetchState.id, FetchState.article_id).where(FetchState.url == bindparam("url"))
_ADD_STATE = insert(_STATES)
_SET_STATE = update(_STATES).where(_STATES.c.id == bindparam("state"))


@dataclass(frozen=True)
class Validators:
    """What lets a recrawl skip work: HTTP validators and the hash of the last HTML."""

    etag: str | None
    last_modified: str | None
    html_sha256: str | None


def html_sha256(html: bytes) -> str:
    return hashlib.sha256(html).hexdigest()


def ensure_source(session: Session, name: str, kind: str, url: str) -> Source:
    """The stored row for a configured source, created or brought up to date."""
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        source = Source(name=name, kind=kind, url=url)
        session.add(source)
        session.flush()
    else:
        source.kind, source.url = kind, url
    return source


def validators_for(session: Session, urls: list[str]) -> dict[str, Validators]:
    """What the archive knows of each URL fetched before: ETag, Last-Modified, HTML hash."""
    rows = session.execute(
        select(
            FetchState.url, FetchState.etag, FetchState.last_modified, FetchState.html_sha256
        ).where(FetchState.url.in_(urls))
    )
    return {url: Validators(etag, modified, sha) for url, etag, modified, sha in rows}


def record_page(
    session: Session,
    page: FetchedPage,
    run_id: int | None = None,
    rules: ChangeRules = NO_RULES,
) -> Recorded:
    """Store `page` as a new version of its article, unless the change rules say otherwise."""
    source_id = session.connection().scalar(_SOURCE_ID, {"name": page.source})
    if source_id is None:
        raise ValueError(f"source {page.source!r} is not stored; call ensure_source first")
    article = session.scalar(_ARTICLE, {"url": page.article_url})
    sha = html_sha256(page.html)
    if article is None:
        recorded, article_id = _record_new_article(session, page, source_id, sha, run_id)
    else:
        recorded = _record_known_article(session, article, page, sha, run_id, rules)
        article_id = article.id
        if recorded.outcome is Outcome.REFUSED:
            _update_state(session, page.url, page.fetched_at, status=200, error=recorded.reason)
            return recorded
    _update_state(
        session,
        page.url,
        page.fetched_at,
        status=200,
        article_id=article_id,
        etag=page.etag,
        last_modified=page.last_modified,
        sha=sha,
    )
    return recorded


def _record_new_article(
    session: Session, page: FetchedPage, source_id: int, sha: str, run_id: int | None
) -> tuple[Recorded, int]:
    """The first version of an article never seen, most of what a first crawl stores: no
    stored state to load or compare with."""
    at = page.fetched_at
    row = {"url": page.article_url, "source_id": source_id, "first_seen": at, "last_checked": at}
    connection = session.connection()
    article_id = connection.execute(_ADD_ARTICLE, row).scalar_one()
    version = _add_version(session, article_id, 1, page, sha, None, run_id)
    add_event(
        session, "new_article", at, article_id=article_id, version_id=version.id, run_id=run_id
    )
    dated = page.content.published or at
    connection.execute(
        _SET_LATEST, {"article": article_id, "latest_version_id": version.id, "dated": dated}
    )
    index_version(session, version, None)
    new_entities = record_mentions(session, version, page.entities, run_id)
    return Recorded(Outcome.NEW_ARTICLE, 1, new_entities=new_entities), article_id


def _record_known_article(
    session: Session,
    article: Article,
    page: FetchedPage,
    sha: str,
    run_id: int | None,
    rules: ChangeRules,
) -> Recorded:
    """A new state of a stored article: a new version, unchanged, or refused."""
    content = page.content
    history = list(article.versions)
    verdict = judge(history, content.title, content.text, rules) if history else Verdict("store")
    if verdict.action == "refuse":
        return Recorded(Outcome.REFUSED, reason=verdict.reason)
    _seen_alive(session, article, page.fetched_at, run_id)
    if verdict.action != "store":
        return Recorded(Outcome.UNCHANGED, reason=verdict.reason)
    number = history[-1].number + 1 if history else 1
    kind = verdict.change.kind if verdict.change else None
    version = _add_version(session, article.id, number, page, sha, verdict.change, run_id)
    add_event(
        session,
        "edited",
        page.fetched_at,
        article_id=article.id,
        version_id=version.id,
        edit_kind=kind,
        run_id=run_id,
    )
    article.latest_version_id = version.id
    article.dated = content.published or article.first_seen
    index_version(session, version, history[-1] if history else None)
    new_entities = record_mentions(session, version, page.entities, run_id)
    return Recorded(Outcome.NEW_VERSION, number, kind, new_entities=new_entities)


def _add_version(
    session: Session,
    article_id: int,
    number: int,
    page: FetchedPage,
    sha: str,
    change: Change | None,
    run_id: int | None,
) -> NewVersion:
    content = page.content
    diff = change.diff if change else None
    row = {
        "article_id": article_id,
        "number": number,
        "fetched_at": page.fetched_at,
        "fetched_url": page.final_url or page.url,
        "title": content.title,
        "text": content.text,
        "authors": list(content.authors),
        "published": content.published,
        "modified": content.modified,
        "language": _fitting(content.language, _VERSIONS.c.language),
        "site_name": content.site_name,
        "fingerprint": fingerprint(content.title, content.text),
        "hints": page.hints,
        "html_id": _store_html(session, page.html, sha),
        "run_id": run_id,
        "change_kind": change.kind if change else None,
        "revert_to": change.revert_to if change else None,
        "sentences_added": len(diff.added) if diff else 0,
        "sentences_removed": len(diff.removed) if diff else 0,
        "sentences_edited": len(diff.edited) if diff else 0,
        "sentences_moved": len(diff.moved) if diff else 0,
        "chars_changed": diff.chars_changed if diff else 0,
    }
    version_id: int = session.connection().execute(_ADD_VERSION, row).scalar_one()
    return NewVersion(version_id, article_id, number, page.fetched_at, content.title, content.text)


@dataclass(frozen=True)
class Check:
    """A fetch that proved a page unchanged: a 304, or the same HTML as last time."""

    url: str
    fetched_at: datetime
    status: int


def record_checks(session: Session, checks: Sequence[Check], run_id: int | None = None) -> None:
    """Many unchanged fetches at once: one query for their URLs' states, one for their articles
    and one flush, where a recrawl of unchanged pages spent most of its time one URL at a time."""
    urls = list({check.url for check in checks})
    states = {s.url: s for s in session.scalars(select(FetchState).where(FetchState.url.in_(urls)))}
    ids = {state.article_id for state in states.values() if state.article_id is not None}
    articles = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}
    for check in checks:
        state = states.get(check.url)
        if state is None:
            state = states[check.url] = FetchState(url=check.url, last_fetched=check.fetched_at)
            session.add(state)
        state.last_fetched = check.fetched_at
        state.last_status = check.status
        state.last_error = None
        article = articles.get(state.article_id) if state.article_id is not None else None
        if article is not None:
            _seen_alive(session, article, check.fetched_at, run_id)
    session.flush()


def record_failure(
    session: Session,
    url: str,
    fetched_at: datetime,
    status: int | None,
    reason: str,
    run_id: int | None = None,
) -> None:
    """A fetch or extraction that failed: remembered on the URL, never stored as a version.

    A known article answering 404 or 410 on GONE_CHECKS checks in a row is flagged removed.
    """
    article_id = _update_state(session, url, fetched_at, status=status, error=reason)
    if status not in (404, 410) or article_id is None:
        return
    article = session.get_one(Article, article_id)
    article.gone_checks += 1
    if article.gone_checks >= GONE_CHECKS and article.removed_at is None:
        article.removed_at = fetched_at
        add_event(session, "removed", fetched_at, article_id=article.id, run_id=run_id)


def _seen_alive(session: Session, article: Article, when: datetime, run_id: int | None) -> None:
    """The article answered: it is checked, and if it had been flagged removed, restored."""
    article.last_checked = max(article.last_checked, when)
    article.gone_checks = 0
    if article.removed_at is not None:
        article.removed_at = None
        add_event(session, "restored", when, article_id=article.id, run_id=run_id)


def _store_html(session: Session, html: bytes, sha: str) -> int:
    """The id of the blob holding `html`, stored now unless the same HTML was stored before.

    Core statements on ids only: the ORM would load the packed HTML of a blob found.
    """
    connection = session.connection()
    blob_id = connection.scalar(_BLOB_ID, {"sha": sha})
    if blob_id is None:
        blob = {"sha256": sha, "size": len(html), "data": pack(html)}
        blob_id = connection.execute(_ADD_BLOB, blob).scalar_one()
    return blob_id


def _update_state(
    session: Session,
    url: str,
    fetched_at: datetime,
    *,
    status: int | None,
    error: str | None = None,
    article_id: int | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    sha: str | None = None,
) -> int | None:
    """Remember what fetching `url` gave; returns the id of the article the URL is known for.

    Core statements: the ORM's unit of work cost more than the two rows it would write.
    """
    values: dict[str, Any] = {
        "last_fetched": fetched_at,
        "last_status": status,
        "last_error": error,
    }
    if article_id is not None:
        values["article_id"] = article_id
    if sha is not None:
        values["html_sha256"] = sha
        values["etag"] = _fitting(etag, _STATES.c.etag)
        values["last_modified"] = _fitting(last_modified, _STATES.c.last_modified)
    connection = session.connection()
    found = connection.execute(_STATE, {"url": url}).first()
    if found is None:
        connection.execute(_ADD_STATE, {"url": url, **values})
        return article_id
    connection.execute(_SET_STATE, {"state": found.id, **values})
    return article_id if article_id is not None else found.article_id


def _fitting(value: str | None, column: ColumnElement[Any]) -> str | None:
    """`value`, or None when it is longer than `column` allows.

    SQLite ignores VARCHAR lengths, PostgreSQL enforces them: without this a server's over-long
    ETag or Last-Modified, or a sitemap's junk language tag, would fail the whole page there.
    A value that long is not a usable validator or language tag anyway, and is not truncated:
    half an ETag sent back would be wrong.
    """
    length = getattr(column.type, "length", None)
    return None if value is not None and length is not None and len(value) > length else value
