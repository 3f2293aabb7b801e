"""Recording what a fetch found: a new article, a new version, or "unchanged".

Each function works inside the caller's transaction, so one page is stored whole or not at all.
What each URL answered (validators, status, removals) is kept by storage.fetch_states.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from storage.changes import Change, ChangeRules, NewState, Verdict, judge
from storage.entities import record_mentions
from storage.events import add_event
from storage.fetch_states import seen_alive, update_state
from storage.fingerprint import fingerprint
from storage.html_blobs import pack
from storage.models import Article, HtmlBlob, Source, Version, fitting, table_of
from storage.new_version import NewVersion
from storage.records import FetchedPage
from storage.removals import mark_removed
from storage.search import index_version
from storage.template import PageReader
from storage.verdicts import entity_changes, record_sentences, verdict_columns


class Outcome(StrEnum):
    NEW_ARTICLE = "new_article"
    NEW_VERSION = "new_version"
    UNCHANGED = "unchanged"
    REFUSED = "refused"  # e.g. a paywall stub where an article was: a failed fetch
    REMOVED = "removed"  # the page says the article was taken down


@dataclass(frozen=True)
class Recorded:
    """What record_page did, for the run's tallies."""

    outcome: Outcome
    version: int | None = None
    change_kind: str | None = None
    reason: str = ""
    new_entities: int = 0


NO_RULES = ChangeRules()
# The statements of record_page, built once: building and cache-keying a statement on each
# call cost more than running it. Rows are written with Core, not the ORM's unit of work, which
# cost several times the statement for the one row it writes; an edited article, already
# loaded to compare with, is the one row updated through the ORM. They run on the session's
# connection, which skips the Session's own execute (half the cost of a statement) and its
# autoflush: no row they read or point to is ever left pending in the ORM.
_ARTICLES, _VERSIONS = table_of(Article), table_of(Version)
_BLOBS = table_of(HtmlBlob)
_SOURCE_ID = select(Source.id).where(Source.name == bindparam("name"))
_ARTICLE = select(Article).where(Article.url == bindparam("url"))
_ADD_ARTICLE = insert(_ARTICLES).returning(_ARTICLES.c.id)
_SET_LATEST = update(_ARTICLES).where(_ARTICLES.c.id == bindparam("article"))
_ADD_VERSION = insert(_VERSIONS).returning(_VERSIONS.c.id)
_BLOB_ID = select(HtmlBlob.id).where(HtmlBlob.sha256 == bindparam("sha"))
_ADD_BLOB = insert(_BLOBS).returning(_BLOBS.c.id)


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


def record_page(
    session: Session,
    page: FetchedPage,
    run_id: int | None = None,
    rules: ChangeRules = NO_RULES,
    reader: PageReader | None = None,
) -> Recorded:
    """Store `page` as a new version of its article, unless the change rules say otherwise.

    `reader` (the crawler's, see storage.template) lets the verdict read both versions' HTML.
    """
    source_id = session.connection().scalar(_SOURCE_ID, {"name": page.source})
    if source_id is None:
        raise ValueError(f"source {page.source!r} is not stored; call ensure_source first")
    article = session.scalar(_ARTICLE, {"url": page.article_url})
    sha = html_sha256(page.body)
    if article is None:
        recorded, article_id = _record_new_article(session, page, source_id, sha, run_id)
    elif page.alias and _primary_answered(article):
        # An AMP, mobile or print copy's fetch: its validators are kept, but it never makes a
        # version, so the history cannot alternate between two templates of one text.
        recorded = Recorded(Outcome.UNCHANGED, reason=f"an alias of {article.url}")
        article_id = article.id
    else:
        recorded = _record_known_article(session, article, page, sha, run_id, rules, reader)
        article_id = article.id
        if recorded.outcome is Outcome.REFUSED:
            update_state(session, page.url, page.fetched_at, status=200, error=recorded.reason)
            return recorded
    update_state(
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


def _primary_answered(article: Article) -> bool:
    """A version of `article` came from its primary URL: from then on only that URL's fetches
    make versions. Until then an alias is the only view of the article there is."""
    return any(version.fetched_url == article.url for version in article.versions)


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
    reader: PageReader | None = None,
) -> Recorded:
    """A new state of a stored article: a new version, unchanged, refused, or removed."""
    content = page.content
    history = list(article.versions)
    verdict = (
        judge(
            history,
            NewState(content.title, content.text, page.body, page.final_url or page.url),
            rules,
            reader,
        )
        if history
        else Verdict("store")
    )
    if verdict.action == "refuse":
        return Recorded(Outcome.REFUSED, reason=verdict.reason)
    if verdict.action == "removed":
        mark_removed(session, article, page.fetched_at, verdict.notice, run_id)
        return Recorded(Outcome.REMOVED, reason=verdict.reason)
    seen_alive(session, article, page.fetched_at, run_id)
    if verdict.action != "store":
        return Recorded(Outcome.UNCHANGED, reason=verdict.reason)
    number = history[-1].number + 1 if history else 1
    kind = verdict.change.kind if verdict.change else None
    previous = history[-1].id if history else None
    version = _add_version(session, article.id, number, page, sha, verdict.change, run_id, previous)
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
    # The version went in by Core: the versions this session loaded are stale, and an article
    # the caller still holds would give the next edit in the session a stale history.
    session.expire(article, ["versions"])
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
    previous_id: int | None = None,
) -> NewVersion:
    """The version's row with its recorded verdict (storage.verdicts) against `previous_id`."""
    content = page.content
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
        "language": fitting(content.language, _VERSIONS.c.language),
        "site_name": content.site_name,
        "fingerprint": fingerprint(content.title, content.text),
        "hints": page.hints,
        "html_id": _store_html(session, page.body, sha),
        "run_id": run_id,
        **verdict_columns(change, page.fetched_at),
    }
    if change is not None and previous_id is not None:
        row.update(entity_changes(session, previous_id, page.entities, change))
    version_id: int = session.connection().execute(_ADD_VERSION, row).scalar_one()
    if change is not None:
        record_sentences(session, version_id, change)
    return NewVersion(version_id, article_id, number, page.fetched_at, content.title, content.text)


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
