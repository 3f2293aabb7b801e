"""Archive statistics: how much is stored, how it changed, and who is talked about most."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from storage.models import Article, Entity, Event, Mention, Source, Version


@dataclass(frozen=True)
class BusyEntity:
    name: str
    type: str
    articles: int  # articles with a version fetched in the period that names it


@dataclass(frozen=True)
class Stats:
    sources: int
    articles: int
    versions: int
    removed: int  # articles currently flagged removed
    edits: dict[str, int]  # by kind: substantive, minor, correction, revert
    entities: dict[str, int]  # known and unrecognised
    since: datetime
    busiest: list[BusyEntity]


def archive_stats(session: Session, since: datetime, top: int = 10) -> Stats:
    """Counts over the whole archive, and the `top` entities named since `since`."""
    edits = dict(
        session.execute(
            select(Event.edit_kind, func.count(Event.id))
            .where(Event.kind == "edited")
            .group_by(Event.edit_kind)
        ).all()
    )
    known = dict(
        session.execute(select(Entity.known, func.count(Entity.id)).group_by(Entity.known)).all()
    )
    busiest = session.execute(
        select(Entity.name, Entity.type, func.count(distinct(Version.article_id)).label("n"))
        .join(Mention, Mention.entity_id == Entity.id)
        .join(Version, Version.id == Mention.version_id)
        .where(Version.fetched_at >= since)
        .group_by(Entity.id)
        .order_by(func.count(distinct(Version.article_id)).desc(), Entity.name)
        .limit(top)
    ).all()
    return Stats(
        sources=session.scalar(select(func.count(Source.id))) or 0,
        articles=session.scalar(select(func.count(Article.id))) or 0,
        versions=session.scalar(select(func.count(Version.id))) or 0,
        removed=session.scalar(
            select(func.count(Article.id)).where(Article.removed_at.is_not(None))
        )
        or 0,
        edits={
            kind: edits.get(kind, 0) for kind in ("substantive", "minor", "correction", "revert")
        },
        entities={"known": known.get(True, 0), "unrecognised": known.get(False, 0)},
        since=since,
        busiest=[BusyEntity(name, kind, n) for name, kind, n in busiest],
    )
