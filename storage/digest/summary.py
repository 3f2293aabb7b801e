"""A digest for a page that people scroll: the newest items of each kind, from stored summaries.

`storage.digest.build_digest` reads every edit's recorded sentences, which is what a digest
file or e-mail needs. A page only needs each edit's recorded summary (kind, counts, title and
entity changes, written when the version was stored) and a link to the diff; each section
stops at `limit` items and says how many there are in all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from storage.digest.build import NewArticle, NewEntity, RemovedArticle
from storage.entities import entity_names
from storage.models import Article, Entity, Event, Source, Version


@dataclass(frozen=True)
class EditSummary:
    """One edit as stored: what kind, how big, which entities came and went."""

    article_id: int
    url: str
    title: str
    source: str
    seen: datetime
    from_version: int
    to_version: int
    kind: str  # substantive | minor | correction | revert
    revert_to: int | None
    title_changed: bool
    sentences_added: int
    sentences_removed: int
    sentences_edited: int
    sentences_moved: int
    chars_changed: int
    entities_added: list[str]
    entities_removed: list[str]


@dataclass(frozen=True)
class DigestSummary:
    """The newest items of each section in [since, until), and each section's full count."""

    since: datetime
    until: datetime
    edited: list[EditSummary]  # substantive edits, corrections and reverts
    edited_total: int
    minor: list[EditSummary]
    minor_total: int
    new_articles: list[NewArticle]
    new_total: int
    new_entities: list[NewEntity]
    entities_total: int
    removed: list[RemovedArticle]  # removed and restored
    removed_total: int

    @property
    def is_empty(self) -> bool:
        totals = (self.edited_total, self.minor_total, self.new_total, self.entities_total)
        return not (any(totals) or self.removed_total)


def summarize_digest(
    session: Session, since: datetime, until: datetime, limit: int = 100
) -> DigestSummary:
    """What happened in [since, until), newest first, at most `limit` items per section."""

    def events(*kinds: str) -> Select[Event]:
        return select(Event).where(Event.at >= since, Event.at < until, Event.kind.in_(kinds))

    def total(query: Select[Event]) -> int:
        return session.scalar(select(func.count()).select_from(query.subquery())) or 0

    def newest(query: Select[Event]) -> list[Event]:
        return list(session.scalars(query.order_by(Event.at.desc(), Event.id.desc()).limit(limit)))

    # "unchanged": `labscope rejudge` found no edit there with today's rules.
    major = events("edited").where(
        or_(Event.edit_kind.is_(None), Event.edit_kind.not_in(("minor", "unchanged")))
    )
    minor = events("edited").where(Event.edit_kind == "minor")
    new = events("new_article")
    entities = events("new_entity")
    removed = events("removed", "restored")
    return DigestSummary(
        since=since,
        until=until,
        edited=[_edit(session, e) for e in newest(major)],
        edited_total=total(major),
        minor=[_edit(session, e) for e in newest(minor)],
        minor_total=total(minor),
        new_articles=[_new_article(session, e) for e in newest(new)],
        new_total=total(new),
        new_entities=[_new_entity(session, e) for e in newest(entities)],
        entities_total=total(entities),
        removed=[_removed(session, e) for e in newest(removed)],
        removed_total=total(removed),
    )


def _edit(session: Session, event: Event) -> EditSummary:
    new = session.get_one(Version, event.version_id)
    previous = aliased(Version)
    old = session.execute(
        select(previous.id, previous.title).where(
            previous.article_id == new.article_id, previous.number == new.number - 1
        )
    ).one_or_none()
    url, source = _article(session, new.article_id)
    if new.judged is not None:  # the verdict recorded with the version
        title_changed = new.title_before is not None
        added, removed = list(new.entities_added or ()), list(new.entities_removed or ())
    else:  # stored before verdicts were recorded
        title_changed = old is not None and old.title.strip() != new.title.strip()
        old_entities = entity_names(session, old.id) if old else set()
        new_entities = entity_names(session, new.id)
        added, removed = sorted(new_entities - old_entities), sorted(old_entities - new_entities)
    return EditSummary(
        article_id=new.article_id,
        url=url,
        title=new.title,
        source=source,
        seen=event.at,
        from_version=new.number - 1,
        to_version=new.number,
        kind=new.change_kind or event.edit_kind or "substantive",
        revert_to=new.revert_to,
        title_changed=title_changed,
        sentences_added=new.sentences_added,
        sentences_removed=new.sentences_removed,
        sentences_edited=new.sentences_edited,
        sentences_moved=new.sentences_moved,
        chars_changed=new.chars_changed,
        entities_added=added,
        entities_removed=removed,
    )


def _new_article(session: Session, event: Event) -> NewArticle:
    version = session.get_one(Version, event.version_id)
    url, source = _article(session, version.article_id)
    return NewArticle(
        article_id=version.article_id,
        url=url,
        title=version.title,
        source=source,
        published=version.published,
        seen=event.at,
        entities=sorted(entity_names(session, version.id)),
    )


def _new_entity(session: Session, event: Event) -> NewEntity:
    entity = session.get_one(Entity, event.entity_id)
    version = session.get_one(Version, event.version_id)
    url, _ = _article(session, version.article_id)
    return NewEntity(
        entity.name, entity.type, entity.known, url, version.title, entity.context, event.at
    )


def _removed(session: Session, event: Event) -> RemovedArticle:
    url, _ = _article(session, event.article_id)
    title = session.scalar(
        select(Version.title)
        .join(Article, Article.latest_version_id == Version.id)
        .where(Article.id == event.article_id)
    )
    return RemovedArticle(
        event.article_id or 0, url, title or "", event.at, restored=event.kind == "restored"
    )


def _article(session: Session, article_id: int | None) -> tuple[str, str]:
    url, source = session.execute(
        select(Article.url, Source.name)
        .join(Source, Source.id == Article.source_id)
        .where(Article.id == article_id)
    ).one()
    return url, source
