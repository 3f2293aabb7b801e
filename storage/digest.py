"""Change digests: what happened in a period, read from the stored events.

Events and each version's change summary are written when a page is stored, so a digest only
reads them; the sentence diffs it shows are recomputed from the two stored texts on demand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.changes import ChangeRules, edit_kind, visible_diff
from storage.diffs import RedlineOp, TextDiff
from storage.entities import entity_names
from storage.errors import NotFoundError
from storage.models import Article, Entity, Event, Version

NO_RULES = ChangeRules()


@dataclass(frozen=True)
class EditedSentence:
    old: str
    new: str
    redline: tuple[tuple[RedlineOp, str], ...]


@dataclass(frozen=True)
class TitleChange:
    old: str
    new: str


@dataclass(frozen=True)
class FieldChange:
    """A metadata field that changed between versions: authors, published or modified."""

    name: str
    old: str
    new: str


@dataclass(frozen=True)
class NewArticle:
    article_id: int
    url: str
    title: str
    source: str
    published: datetime | None
    seen: datetime
    entities: list[str]


@dataclass(frozen=True)
class EditedArticle:
    article_id: int
    url: str
    title: str
    source: str
    seen: datetime
    from_version: int
    to_version: int
    kind: str  # substantive | minor | correction | revert
    revert_to: int | None = None
    title_change: TitleChange | None = None
    fields: list[FieldChange] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    edited: list[EditedSentence] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    entities_added: list[str] = field(default_factory=list)
    entities_removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NewEntity:
    name: str
    type: str
    known: bool
    first_url: str
    first_title: str
    context: str
    seen: datetime


@dataclass(frozen=True)
class RemovedArticle:
    article_id: int
    url: str
    title: str
    seen: datetime
    restored: bool = False  # True: it came back after being removed


@dataclass(frozen=True)
class Digest:
    since: datetime
    until: datetime
    new_articles: list[NewArticle]
    edited_articles: list[EditedArticle]  # minor ones included, kind == "minor"
    new_entities: list[NewEntity]
    removed_articles: list[RemovedArticle]  # removed and restored

    @property
    def is_empty(self) -> bool:
        return not (
            self.new_articles or self.edited_articles or self.new_entities or self.removed_articles
        )


def build_digest(
    session: Session,
    since: datetime,
    until: datetime,
    rules: Mapping[str, ChangeRules] | None = None,
    event_ids: tuple[int, int] | None = None,
) -> Digest:
    """Everything that happened in [since, until).

    Scheduled digests pass `event_ids` (after, up to): event ids, unlike the times pages were
    fetched, follow commit order, so consecutive digests neither miss nor repeat an event.
    """
    query = select(Event).order_by(Event.at, Event.id)
    if event_ids is None:
        query = query.where(Event.at >= since, Event.at < until)
    else:
        query = query.where(Event.id > event_ids[0], Event.id <= event_ids[1])
    events = session.scalars(query)
    new_articles: list[NewArticle] = []
    edited: list[EditedArticle] = []
    entities: list[NewEntity] = []
    removed: list[RemovedArticle] = []
    for event in events:
        article = session.get(Article, event.article_id) if event.article_id else None
        version = session.get(Version, event.version_id) if event.version_id else None
        if article is None:
            continue
        if event.kind == "new_article" and version is not None:
            new_articles.append(_new_article(session, article, version, event.at))
        elif event.kind == "edited" and version is not None and version.number > 1:
            source_rules = (rules or {}).get(article.source.name, NO_RULES)
            edited.append(
                compare_versions(session, article, version.number - 1, version.number, source_rules)
            )
        elif event.kind == "new_entity" and event.entity_id and version is not None:
            entity = session.get_one(Entity, event.entity_id)
            entities.append(
                NewEntity(
                    entity.name,
                    entity.type,
                    entity.known,
                    article.url,
                    version.title,
                    entity.context,
                    event.at,
                )
            )
        elif event.kind in ("removed", "restored"):
            title = article.versions[-1].title if article.versions else ""
            removed.append(
                RemovedArticle(
                    article.id, article.url, title, event.at, restored=event.kind == "restored"
                )
            )
    return Digest(since, until, new_articles, edited, entities, removed)


def compare_versions(
    session: Session,
    article: Article,
    old_number: int,
    new_number: int,
    rules: ChangeRules = NO_RULES,
) -> EditedArticle:
    """What changed in `article` from one stored version to another, sentence by sentence."""
    old, new = _pair(article, old_number, new_number)
    diff = visible_diff(old.text, new.text, rules)
    title_changed = old.title.strip() != new.title.strip()
    adjacent = new_number == old_number + 1 and new.change_kind is not None
    kind = new.change_kind if adjacent else edit_kind(diff, title_changed, rules)
    old_entities = entity_names(session, old.id)
    new_entities = entity_names(session, new.id)
    return EditedArticle(
        article_id=article.id,
        url=article.url,
        title=new.title,
        source=article.source.name,
        seen=new.fetched_at,
        from_version=old_number,
        to_version=new_number,
        kind=kind or "substantive",
        revert_to=new.revert_to if adjacent else None,
        title_change=TitleChange(old.title, new.title) if title_changed else None,
        fields=_field_changes(old, new),
        added=[c.new or "" for c in diff.added],
        removed=[c.old or "" for c in diff.removed],
        edited=[EditedSentence(c.old or "", c.new or "", c.redline) for c in diff.edited],
        moved=[c.new or "" for c in diff.moved],
        entities_added=sorted(new_entities - old_entities),
        entities_removed=sorted(old_entities - new_entities),
    )


def full_diff(
    article: Article, old_number: int, new_number: int, rules: ChangeRules = NO_RULES
) -> TextDiff:
    """Every sentence of two versions in reading order, for side-by-side and inline views."""
    old, new = _pair(article, old_number, new_number)
    return visible_diff(old.text, new.text, rules)


def _pair(article: Article, old_number: int, new_number: int) -> tuple[Version, Version]:
    numbers = {v.number: v for v in article.versions}
    for number in (old_number, new_number):
        if number not in numbers:
            last = max(numbers) if numbers else 0
            raise NotFoundError(
                f"article {article.id} has no version {number}; it has versions 1 to {last}"
            )
    return numbers[old_number], numbers[new_number]


def _field_changes(old: Version, new: Version) -> list[FieldChange]:
    """Authors and dates that differ: shown beside the text diff, never a version on their own."""
    pairs = [
        ("authors", ", ".join(old.authors), ", ".join(new.authors)),
        ("published", _iso(old.published), _iso(new.published)),
        ("modified", _iso(old.modified), _iso(new.modified)),
    ]
    return [FieldChange(name, a, b) for name, a, b in pairs if a != b]


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _new_article(session: Session, article: Article, version: Version, at: datetime) -> NewArticle:
    return NewArticle(
        article_id=article.id,
        url=article.url,
        title=version.title,
        source=article.source.name,
        published=version.published,
        seen=at,
        entities=sorted(entity_names(session, version.id)),
    )
