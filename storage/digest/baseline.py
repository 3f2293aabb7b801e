"""A source's first crawl is a baseline: every name in it is "new" to the archive, so a digest
counts those entities in one line instead of listing dozens of new-entity cards.

The first crawl of a source is the run that stored its first article (the lowest run id of
its `new_article` events); a `new_entity` event of that run, from an article of that source,
is part of the baseline. Entities first seen in later crawls are the news and listed as ever.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, aliased

from storage.models import Article, Event


@dataclass(frozen=True)
class Baseline:
    """How many entities a source's first crawl brought, counted rather than listed."""

    source: str
    entities: int


def first_crawls(session: Session) -> dict[int, int]:
    """Source id -> the id of the run that stored its first article."""
    rows = session.execute(
        select(Article.source_id, func.min(Event.run_id))
        .join(Article, Article.id == Event.article_id)
        .where(Event.kind == "new_article", Event.run_id.is_not(None))
        .group_by(Article.source_id)
    )
    return {source_id: run_id for source_id, run_id in rows if run_id is not None}


def in_baseline() -> ColumnElement[bool]:
    """SQL, for a query of Event joined to its Article: the event came from the first crawl of
    the article's source."""
    other, first = aliased(Event), aliased(Article)
    first_run = (
        select(func.min(other.run_id))
        .join(first, first.id == other.article_id)
        .where(other.kind == "new_article", first.source_id == Article.source_id)
        .scalar_subquery()
    )
    # Never NULL, so that its negation keeps the events of no run (or of no first crawl).
    return and_(Event.run_id.is_not(None), Event.run_id == func.coalesce(first_run, -1))


def baseline_line(baseline: Sequence[Baseline]) -> str | None:
    """The one line a digest gives the baselines of its period, or None when there are none."""
    if not baseline:
        return None
    total = sum(b.entities for b in baseline)
    noun = "entity" if total == 1 else "entities"
    if len(baseline) == 1:
        where = baseline[0].source
    else:
        where = ", ".join(f"{b.source} ({b.entities})" for b in baseline)
    return f"Baseline: {total} {noun} first seen in the first crawl of {where}"
