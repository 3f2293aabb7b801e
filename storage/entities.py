"""Entities in the archive: which versions mention them, and when each was first seen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from storage.errors import NotFoundError
from storage.events import add_event
from storage.models import Article, Entity, Mention, Version, table_of
from storage.new_version import NewVersion
from storage.records import EntityRecord

MAX_NAME = 256
# record_mentions' statements, built once and run with Core on the session's connection: it runs
# for every stored version, and building statements, the ORM's unit of work or the Session's own
# execute cost more than the rows written. Nothing they read is left pending in the ORM.
_ENTITIES = table_of(Entity)
_IDS = select(Entity.name, Entity.id).where(Entity.name.in_(bindparam("names", expanding=True)))
_ADD_ENTITY = insert(_ENTITIES).returning(_ENTITIES.c.id)
_ADD_MENTIONS = insert(table_of(Mention))
_NAMED_BY_ONE_MORE_ARTICLE = (
    update(_ENTITIES)
    .where(_ENTITIES.c.id.in_(bindparam("ids", expanding=True)))
    .values(articles=_ENTITIES.c.articles + 1)
)


def record_mentions(
    session: Session, version: NewVersion, records: tuple[EntityRecord, ...], run_id: int | None
) -> int:
    """Link `version` to the entities it names; an entity never seen before raises an event.

    Returns how many entities were new to the archive.
    """
    names = {record.name.strip()[:MAX_NAME] for record in records} - {""}
    if not names:
        return 0
    earlier = _named_before(session, version)
    connection = session.connection()
    found = connection.execute(_IDS, {"names": list(names)})  # one query for the page, not per name
    ids: dict[str, int] = {name: entity_id for name, entity_id in found}
    new = 0
    seen: set[int] = set()
    mentions: list[dict[str, int]] = []
    spread: list[int] = []  # known entities this article names for the first time
    for record in records:
        name = record.name.strip()[:MAX_NAME]
        if not name:
            continue
        entity_id = ids.get(name)
        if entity_id is None:
            entity_id = ids[name] = _add_entity(session, name, record, version)
            add_event(
                session,
                "new_entity",
                version.fetched_at,
                article_id=version.article_id,
                version_id=version.id,
                entity_id=entity_id,
                run_id=run_id,
            )
            new += 1
        elif entity_id in seen:
            continue
        elif entity_id not in earlier:
            spread.append(entity_id)
        seen.add(entity_id)
        mentions.append({"version_id": version.id, "entity_id": entity_id, "count": record.count})
    if spread:
        connection.execute(_NAMED_BY_ONE_MORE_ARTICLE, {"ids": spread})
    connection.execute(_ADD_MENTIONS, mentions)
    return new


def _add_entity(session: Session, name: str, record: EntityRecord, version: NewVersion) -> int:
    """A new entity, first seen in `version`: the one article naming it so far."""
    row = {
        "name": name,
        "type": record.type,
        "known": record.known,
        "first_seen": version.fetched_at,
        "first_version_id": version.id,
        "context": record.context,
        "articles": 1,
    }
    entity_id: int = session.connection().execute(_ADD_ENTITY, row).scalar_one()
    return entity_id


def _named_before(session: Session, version: NewVersion) -> set[int]:
    """The entities earlier versions of the same article named."""
    if version.number <= 1:
        return set()
    query = (
        select(Mention.entity_id)
        .join(Version, Version.id == Mention.version_id)
        .where(Version.article_id == version.article_id, Version.id != version.id)
        .distinct()
    )
    return set(session.scalars(query))


def entity_names(session: Session, version_id: int) -> set[str]:
    """The names of the entities one version mentions."""
    query = select(Entity.name).join(Mention, Mention.entity_id == Entity.id)
    return set(session.scalars(query.where(Mention.version_id == version_id)))


@dataclass(frozen=True)
class EntitySummary:
    name: str
    type: str
    known: bool
    first_seen: datetime
    first_url: str
    articles: int  # articles whose versions mention it


def list_entities(
    session: Session,
    *,
    since: datetime | None = None,
    type: str | None = None,
    unrecognised: bool = False,
) -> list[EntitySummary]:
    """Entities, newest first: when and where each was first seen, and how widely it is named."""
    query = (
        select(Entity, Article.url)
        .join(Version, Version.id == Entity.first_version_id)
        .join(Article, Article.id == Version.article_id)
        .order_by(Entity.first_seen.desc(), Entity.name)
    )
    if since is not None:
        query = query.where(Entity.first_seen >= since)
    if type is not None:
        query = query.where(Entity.type == type)
    if unrecognised:
        query = query.where(Entity.known.is_(False))
    return [
        EntitySummary(e.name, e.type, e.known, e.first_seen, url, e.articles)
        for e, url in session.execute(query)
    ]


@dataclass(frozen=True)
class EntityMention:
    """One version that names the entity: a point on its timeline."""

    article_id: int
    url: str
    title: str
    version: int
    seen: datetime
    count: int


@dataclass(frozen=True)
class EntityDetail:
    name: str
    type: str
    known: bool
    aliases: list[str]
    first_seen: datetime
    first_article_id: int
    first_url: str
    first_title: str
    context: str  # the sentence it first appeared in
    articles: int
    mentions: list[EntityMention]  # newest first, at most `limit`


def entity_detail(
    session: Session, name: str, aliases: Sequence[str] = (), limit: int = 200
) -> EntityDetail:
    """One entity by canonical name: where it was first seen and its latest mentions.

    Aliases come from the knowledge base, which storage does not read: the caller passes them.
    """
    entity = session.scalar(select(Entity).where(Entity.name == name))
    if entity is None:
        raise NotFoundError(f"no entity {name!r} is stored; list them with: labscope entities")
    first = session.get_one(Version, entity.first_version_id)
    timeline = (
        select(Version, Article.url, Mention.count)
        .join(Mention, Mention.version_id == Version.id)
        .join(Article, Article.id == Version.article_id)
        .where(Mention.entity_id == entity.id)
        .order_by(Version.fetched_at.desc(), Version.id.desc())
        .limit(limit)
    )
    return EntityDetail(
        name=entity.name,
        type=entity.type,
        known=entity.known,
        aliases=[alias for alias in aliases if alias != entity.name],
        first_seen=entity.first_seen,
        first_article_id=first.article_id,
        first_url=first.article.url,
        first_title=first.title,
        context=entity.context,
        articles=entity.articles,
        mentions=[
            EntityMention(v.article_id, url, v.title, v.number, v.fetched_at, n)
            for v, url, n in session.execute(timeline)
        ],
    )
