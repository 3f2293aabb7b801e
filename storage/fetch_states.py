"""What the archive remembers of each fetched URL: validators for the next request, the last
answer, and whether the article behind it is still there.

Each function works inside the caller's transaction, like storage.versions, which records the
versions themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, insert, inspect, select, update
from sqlalchemy.orm import Session

from storage.events import add_event
from storage.models import Article, Base, FetchState, fitting, table_of
from storage.summaries import GONE_CHECKS

_STATES = table_of(FetchState)
_STATE = select(FetchState.id, FetchState.article_id).where(FetchState.url == bindparam("url"))
_ADD_STATE = insert(_STATES)
_SET_STATE = update(_STATES).where(_STATES.c.id == bindparam("state"))
_STATES_OF = select(_STATES.c.id, _STATES.c.url, _STATES.c.article_id).where(
    _STATES.c.url.in_(bindparam("urls", expanding=True))
)
_CHECKED_STATE = _SET_STATE.values(
    last_fetched=bindparam("at"), last_status=bindparam("status"), last_error=None
)
_STATE_COLUMNS = ["last_fetched", "last_status", "last_error"]
_ARTICLES = table_of(Article)
_CHECKED_AT = bindparam("at", type_=_ARTICLES.c.last_checked.type)
_CHECKED = (  # last_checked only moves forward: a batch may hold an older check
    update(_ARTICLES)
    .where(_ARTICLES.c.id == bindparam("article"))
    .values(
        last_checked=case(
            (_ARTICLES.c.last_checked < _CHECKED_AT, _CHECKED_AT),
            else_=_ARTICLES.c.last_checked,
        ),
        gone_checks=0,
    )
)


@dataclass(frozen=True)
class Validators:
    """What lets a recrawl skip work: HTTP validators, the hash of the last HTML, and the
    fingerprint of what its extraction read (crawler.visible)."""

    etag: str | None
    last_modified: str | None
    html_sha256: str | None
    visible_sha256: str | None = None


def validators_for(session: Session, urls: list[str]) -> dict[str, Validators]:
    """What the archive knows of each URL fetched before: ETag, Last-Modified, HTML hashes."""
    rows = session.execute(
        select(
            FetchState.url,
            FetchState.etag,
            FetchState.last_modified,
            FetchState.html_sha256,
            FetchState.visible_sha256,
        ).where(FetchState.url.in_(urls))
    )
    return {url: Validators(*known) for url, *known in rows}


@dataclass(frozen=True)
class Check:
    """A fetch that proved a page unchanged: a 304, or the same HTML as last time."""

    url: str
    fetched_at: datetime
    status: int


def record_checks(session: Session, checks: Sequence[Check], run_id: int | None = None) -> None:
    """Many unchanged fetches at once, in a few Core statements: a recrawl of unchanged pages
    is mostly these, and the ORM's unit of work cost more than the rows it wrote."""
    last = {check.url: check for check in checks}  # a URL checked twice keeps its last answer
    session.flush()  # Core reads below see only what is flushed: a state the caller just added
    connection = session.connection()
    found = connection.execute(_STATES_OF, {"urls": list(last)}).all()
    known = {url: (state, article) for state, url, article in found}
    checked: dict[int, datetime] = {}  # article -> latest check of any of its URLs
    for check in checks:
        if check.url in known and (article := known[check.url][1]) is not None:
            checked[article] = max(checked.get(article, check.fetched_at), check.fetched_at)
    _restore(session, checked, run_id)
    states: list[dict[str, Any]] = []
    new: list[dict[str, Any]] = []
    for c in last.values():
        if c.url in known:
            states.append({"state": known[c.url][0], "at": c.fetched_at, "status": c.status})
        else:
            new.append({"url": c.url, "last_fetched": c.fetched_at, "last_status": c.status})
    if states:
        connection.execute(_CHECKED_STATE, states)
    if new:
        connection.execute(_ADD_STATE, new)
    if checked:
        connection.execute(_CHECKED, [{"article": a, "at": at} for a, at in checked.items()])
    _expire_loaded(session, FetchState, {row[0] for row in found}, _STATE_COLUMNS)
    _expire_loaded(session, Article, set(checked), ["last_checked", "gone_checks"])


def _restore(session: Session, checked: dict[int, datetime], run_id: int | None) -> None:
    """Articles flagged removed that answered again (rare: loaded, restored, evented)."""
    if not checked:
        return
    removed = select(Article).where(Article.id.in_(checked), Article.removed_at.is_not(None))
    for article in session.scalars(removed):
        seen_alive(session, article, checked[article.id], run_id)
    session.flush()


def _expire_loaded(session: Session, model: type[Base], ids: set[int], names: list[str]) -> None:
    """Objects the session had loaded whose rows a Core statement just changed: read again
    on next use, not left stale for a caller that still holds them."""
    mapper = inspect(model)
    for row_id in ids:
        loaded = session.identity_map.get(mapper.identity_key_from_primary_key((row_id,)))
        if loaded is not None:
            session.expire(loaded, names)


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
    article_id = update_state(session, url, fetched_at, status=status, error=reason)
    if status not in (404, 410) or article_id is None:
        return
    article = session.get_one(Article, article_id)
    article.gone_checks += 1
    if article.gone_checks >= GONE_CHECKS and article.removed_at is None:
        article.removed_at = fetched_at
        add_event(session, "removed", fetched_at, article_id=article.id, run_id=run_id)


def seen_alive(session: Session, article: Article, when: datetime, run_id: int | None) -> None:
    """The article answered: it is checked, and if it had been flagged removed, restored."""
    article.last_checked = max(article.last_checked, when)
    article.gone_checks = 0
    if article.removed_at is not None:
        article.removed_at = None
        add_event(session, "restored", when, article_id=article.id, run_id=run_id)


def update_state(
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
    visible: str | None = None,
) -> int | None:
    """Remember what fetching `url` gave; returns the id of the article the URL is known for.

    `visible` (crawler.visible) goes with `sha`, even when None: a fingerprint left from older
    HTML must never vouch for the HTML whose hash is stored now.

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
        values["visible_sha256"] = visible
        values["etag"] = fitting(etag, _STATES.c.etag)
        values["last_modified"] = fitting(last_modified, _STATES.c.last_modified)
    connection = session.connection()
    found = connection.execute(_STATE, {"url": url}).first()
    if found is None:
        connection.execute(_ADD_STATE, {"url": url, **values})
        return article_id
    connection.execute(_SET_STATE, {"state": found.id, **values})
    return article_id if article_id is not None else found.article_id
