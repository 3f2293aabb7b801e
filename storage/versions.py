"""Recording what a fetch found: a new article, a new version, or "unchanged".

Each function works inside the caller's transaction, so one page is stored whole or not at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from storage.changes import Change, ChangeRules, Verdict, judge
from storage.entities import EntityRecord, record_mentions
from storage.events import add_event
from storage.fingerprint import fingerprint
from storage.html_blobs import pack
from storage.models import Article, FetchState, HtmlBlob, Source, Version
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


@dataclass(frozen=True)
class PageContent:
    """What extraction found in one fetched page."""

    title: str
    text: str
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    language: str | None = None
    site_name: str | None = None


@dataclass(frozen=True)
class FetchedPage:
    """One successfully fetched and extracted page, as the crawler hands it to storage."""

    source: str
    url: str  # as requested: its fetch state (validators, HTML hash) is kept under it
    article_url: str
    fetched_at: datetime
    html: bytes
    content: PageContent
    etag: str | None = None
    last_modified: str | None = None
    hints: dict[str, Any] = field(default_factory=dict)
    entities: tuple[EntityRecord, ...] = ()
    final_url: str | None = None  # where the HTML came from after redirects, when elsewhere


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
    source = session.scalar(select(Source).where(Source.name == page.source))
    if source is None:
        raise ValueError(f"source {page.source!r} is not stored; call ensure_source first")
    article = session.scalar(select(Article).where(Article.url == page.article_url))
    content = page.content
    history = list(article.versions) if article is not None else []
    verdict = judge(history, content.title, content.text, rules) if history else Verdict("store")
    if verdict.action == "refuse":
        _update_state(session, page.url, page.fetched_at, status=200, error=verdict.reason)
        return Recorded(Outcome.REFUSED, reason=verdict.reason)

    outcome = Outcome.UNCHANGED
    if article is None:
        article = Article(
            url=page.article_url,
            source_id=source.id,
            first_seen=page.fetched_at,
            last_checked=page.fetched_at,
        )
        session.add(article)
        session.flush()
        outcome = Outcome.NEW_ARTICLE
    _seen_alive(session, article, page.fetched_at, run_id)
    recorded = Recorded(outcome, reason=verdict.reason)
    sha = html_sha256(page.html)
    if verdict.action == "store":
        version = _add_version(session, article, history, page, sha, verdict.change, run_id)
        if outcome is Outcome.NEW_ARTICLE:
            add_event(
                session,
                "new_article",
                page.fetched_at,
                article_id=article.id,
                version_id=version.id,
                run_id=run_id,
            )
        else:
            outcome = Outcome.NEW_VERSION
            kind = verdict.change.kind if verdict.change else None
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
        article.dated = version.published or article.first_seen
        index_version(session, version, history[-1] if history else None)
        session.flush()  # the article's event first, then those of the entities it brings
        new_entities = record_mentions(session, version, page.entities, run_id)
        recorded = Recorded(outcome, version.number, version.change_kind, new_entities=new_entities)
    _update_state(
        session,
        page.url,
        page.fetched_at,
        status=200,
        article_id=article.id,
        etag=page.etag,
        last_modified=page.last_modified,
        sha=sha,
    )
    return recorded


def _add_version(
    session: Session,
    article: Article,
    history: list[Version],
    page: FetchedPage,
    sha: str,
    change: Change | None,
    run_id: int | None,
) -> Version:
    content = page.content
    diff = change.diff if change else None
    version = Version(
        article_id=article.id,
        number=(history[-1].number + 1) if history else 1,
        fetched_at=page.fetched_at,
        fetched_url=page.final_url or page.url,
        title=content.title,
        text=content.text,
        authors=list(content.authors),
        published=content.published,
        modified=content.modified,
        language=_fitting(content.language, Version.__table__.c.language),
        site_name=content.site_name,
        fingerprint=fingerprint(content.title, content.text),
        hints=page.hints,
        html_id=_store_html(session, page.html, sha).id,
        run_id=run_id,
        change_kind=change.kind if change else None,
        revert_to=change.revert_to if change else None,
        sentences_added=len(diff.added) if diff else 0,
        sentences_removed=len(diff.removed) if diff else 0,
        sentences_edited=len(diff.edited) if diff else 0,
        sentences_moved=len(diff.moved) if diff else 0,
        chars_changed=diff.chars_changed if diff else 0,
    )
    session.add(version)
    session.flush()
    return version


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
    state = _update_state(session, url, fetched_at, status=status, error=reason)
    if status not in (404, 410) or state.article_id is None:
        return
    article = session.get_one(Article, state.article_id)
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


def _store_html(session: Session, html: bytes, sha: str) -> HtmlBlob:
    blob = session.scalar(select(HtmlBlob).where(HtmlBlob.sha256 == sha))
    if blob is None:
        blob = HtmlBlob(sha256=sha, size=len(html), data=pack(html))
        session.add(blob)
        session.flush()
    return blob


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
) -> FetchState:
    state = session.scalar(select(FetchState).where(FetchState.url == url))
    if state is None:
        state = FetchState(url=url, last_fetched=fetched_at)
        session.add(state)
    state.last_fetched = fetched_at
    state.last_status = status
    state.last_error = error
    if article_id is not None:
        state.article_id = article_id
    if sha is not None:
        state.html_sha256 = sha
        state.etag = _fitting(etag, FetchState.__table__.c.etag)
        state.last_modified = _fitting(last_modified, FetchState.__table__.c.last_modified)
    session.flush()
    return state


def _fitting(value: str | None, column: ColumnElement[Any]) -> str | None:
    """`value`, or None when it is longer than `column` allows.

    SQLite ignores VARCHAR lengths, PostgreSQL enforces them: without this a server's over-long
    ETag or Last-Modified, or a sitemap's junk language tag, would fail the whole page there.
    A value that long is not a usable validator or language tag anyway, and is not truncated:
    half an ETag sent back would be wrong.
    """
    length = getattr(column.type, "length", None)
    return None if value is not None and length is not None and len(value) > length else value
