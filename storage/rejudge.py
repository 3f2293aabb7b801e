"""Applying today's rules to the stored history: what each edit's verdict would be now.

A rule added after a crawl (an ignore pattern, a better extractor) changes later crawls only;
the verdicts recorded before stay what was reported. `rejudge` judges every stored version again
exactly as a crawl would today: both versions' stored HTML is extracted by today's code (with a
`PageReader`) and compared under today's rules, and it says what it would change. With `apply`,
it records the new verdicts and moves each edit's event to its new kind. Versions are never
deleted: one that today's rules find no edit in is kept with the kind "unchanged", which
digests and `--edited` leave out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.changes import Change, ChangeRules, NewState, judge
from storage.entities import entity_names
from storage.html_blobs import unpack
from storage.models import Article, Event, Source, Version, table_of
from storage.template import PageReader
from storage.verdicts import forget_sentences, record_sentences, verdict_columns

_VERSIONS, _EVENTS = table_of(Version), table_of(Event)


@dataclass(frozen=True)
class Rejudged:
    """One version whose verdict today's rules change (or record for the first time)."""

    article_id: int
    url: str
    version: int
    before: str  # the recorded kind; "not recorded" for a version stored before verdicts
    after: str  # substantive | minor | correction | revert | unchanged
    reason: str = ""


def rejudge(
    session: Session,
    rules_for: Callable[[str], ChangeRules],
    reader: PageReader | None,
    at: datetime,
    *,
    sources: Sequence[str] = (),
    apply: bool = False,
) -> list[Rejudged]:
    """Judge every version 2+ again (of `sources` only, when given); record what changed when
    `apply`. Runs in the caller's transaction."""
    found: list[Rejudged] = []
    for article in _articles(session, sources):
        rules = rules_for(article.source.name)
        versions = list(article.versions)
        for i in range(1, len(versions)):
            version = versions[i]
            change, reason = _judged(versions[:i], version, rules, reader)
            after = change.kind if change else "unchanged"
            before = version.change_kind if version.judged is not None else "not recorded"
            if before == after:
                continue
            found.append(
                Rejudged(article.id, article.url, version.number, before or "?", after, reason)
            )
            if apply:
                _record(session, versions[i - 1], version, change, at, reader is not None)
    return found


def _articles(session: Session, sources: Sequence[str]) -> Iterator[Article]:
    query = select(Article).join(Source, Source.id == Article.source_id).order_by(Article.id)
    if sources:
        query = query.where(Source.name.in_(sources))
    yield from session.scalars(query)


def _judged(
    history: list[Version], version: Version, rules: ChangeRules, reader: PageReader | None
) -> tuple[Change | None, str]:
    """`version` against `history` as a crawl would judge it today: its stored HTML extracted
    again (else its stored text), the previous version's too."""
    title, text, html = version.title, version.text, b""
    if reader is not None:
        html = unpack(version.html.data)
        reread = reader.reread(html, version.fetched_url, version.hints or {})
        if reread is not None:
            title, text = reread
    verdict = judge(history, NewState(title, text, html, version.fetched_url), rules, reader)
    if verdict.action == "store" and verdict.change is not None:
        return verdict.change, _why(verdict.change)
    if verdict.action in ("refuse", "removed"):
        return None, f"today this page would not be a version: {verdict.reason}"
    return None, verdict.reason or "no visible change"


def _why(change: Change) -> str:
    if change.kind == "minor":
        return "only whitespace, punctuation, quotes or case changed"
    edits = len(change.edits)
    template = len(change.template)
    said = f"{edits} changed sentence{'s' if edits != 1 else ''}"
    return said + (f", {template} more the site's template explains" if template else "")


def _record(
    session: Session,
    previous: Version,
    version: Version,
    change: Change | None,
    at: datetime,
    reextracted: bool,
) -> None:
    """Write `version`'s new verdict and move its edit event to the new kind."""
    columns = verdict_columns(change, at)
    if change is None:
        columns = {
            "change_kind": "unchanged",
            "revert_to": None,
            "sentences_added": 0,
            "sentences_removed": 0,
            "sentences_edited": 0,
            "sentences_moved": 0,
            "chars_changed": 0,
            "sentences_template": 0,
            "title_before": None,
            "judged": "reextracted" if reextracted else "stored_text",
            "judged_at": at,
        }
    old_names, new_names = entity_names(session, previous.id), entity_names(session, version.id)
    columns["entities_added"] = sorted(new_names - old_names)
    columns["entities_removed"] = sorted(old_names - new_names)
    connection = session.connection()
    connection.execute(update(_VERSIONS).where(_VERSIONS.c.id == version.id).values(**columns))
    forget_sentences(session, version.id)
    if change is not None:
        record_sentences(session, version.id, change)
    connection.execute(
        update(_EVENTS)
        .where(_EVENTS.c.version_id == version.id, _EVENTS.c.kind == "edited")
        .values(edit_kind=columns["change_kind"])
    )
    session.expire(version)
