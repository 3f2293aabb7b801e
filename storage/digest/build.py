"""Change digests: what happened in a period, read from the stored events.

Events and each edit's verdict (storage.verdicts: kind, changed sentences, title and entity
changes) are written when a page is stored, so a digest renders what was recorded: a rule added
after the crawl changes later crawls, never what an earlier edit is reported as. Only a
comparison of two versions that are not neighbours is computed on demand, with today's rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.changes import ChangeRules, NewState, compare
from storage.diffs import ChangeKind, RedlineOp, SentenceChange, TextDiff, diff_texts
from storage.entities import entity_names
from storage.errors import NotFoundError
from storage.health_notices import HealthNotice, changes_between
from storage.models import Article, Entity, Event, Version
from storage.sentences import split_sentences
from storage.verdicts import RecordedSentence, RecordedVerdict, verdict_of

NO_RULES = ChangeRules()


@dataclass(frozen=True)
class EditedSentence:
    old: str
    new: str
    redline: tuple[tuple[RedlineOp, str], ...]


@dataclass(frozen=True)
class TemplateSentence:
    """A changed sentence the pages' template explains: recorded and shown, not an edit."""

    kind: str  # added | removed | edited | moved
    old: str | None
    new: str | None


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
    kind: str  # substantive | minor | correction | revert | unchanged (rejudged: no edit)
    revert_to: int | None = None
    title_change: TitleChange | None = None
    fields: list[FieldChange] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    edited: list[EditedSentence] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    entities_added: list[str] = field(default_factory=list)
    entities_removed: list[str] = field(default_factory=list)
    template: list[TemplateSentence] = field(default_factory=list)
    # How the change was judged: when the version was stored (stored_text, reextracted), or now
    # by today's rules (read_time: stored before verdicts were recorded; now: not neighbours).
    judged: str = "stored_text"


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
    notice: str | None = None  # the page's own words, when it said it was removed


@dataclass(frozen=True)
class Digest:
    since: datetime
    until: datetime
    new_articles: list[NewArticle]
    edited_articles: list[EditedArticle]  # minor ones included, kind == "minor"
    new_entities: list[NewEntity]
    removed_articles: list[RemovedArticle]  # removed and restored
    # Sources that turned failing or empty, or recovered, in the period: listed first.
    health: list[HealthNotice] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.new_articles
            or self.edited_articles
            or self.new_entities
            or self.removed_articles
            or self.health
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
            change = compare_versions(
                session, article, version.number - 1, version.number, source_rules
            )
            if change.kind != "unchanged":  # rejudged: today's rules find no edit there
                edited.append(change)
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
                    article.id,
                    article.url,
                    title,
                    event.at,
                    restored=event.kind == "restored",
                    notice=event.notice,
                )
            )
    entities.sort(key=entity_rank)  # stable: within a rank, in the order they were seen
    health = changes_between(session, since, until)
    return Digest(since, until, new_articles, edited, entities, removed, health)


# New models and people are the news; labs, places and companies are mostly context.
_TYPE_RANK = {"model": 0, "person": 0, "lab": 1, "institution": 1, "place": 1, "company": 1}


def entity_rank(entity: NewEntity) -> tuple[int, int]:
    """Where a new entity goes in a digest: recognised models and people first, then the other
    recognised types, and names the knowledge base does not know apart at the end."""
    return (0 if entity.known else 1, _TYPE_RANK.get(entity.type, 1))


def compare_versions(
    session: Session,
    article: Article,
    old_number: int,
    new_number: int,
    rules: ChangeRules = NO_RULES,
) -> EditedArticle:
    """What changed in `article` from one stored version to another, sentence by sentence.

    For neighbours this is the verdict recorded when the newer one was stored; `rules` serve
    only versions stored before verdicts were recorded, and pairs that are not neighbours.
    """
    old, new = _pair(article, old_number, new_number)
    if new_number == old_number + 1:
        return _edited(session, article, old, new, verdict_of(session, new, rules))
    change, _ = compare(old, NewState(new.title, new.text), rules)
    sentences = _recorded(change.diff.changes if change else ())
    verdict = RecordedVerdict(
        number=new.number,
        kind=change.kind if change else "unchanged",
        revert_to=None,
        title=new.title,
        title_before=old.title if change and change.title_changed else None,
        sentences=tuple(sentences),
        entities_added=tuple(sorted(entity_names(session, new.id) - entity_names(session, old.id))),
        entities_removed=tuple(
            sorted(entity_names(session, old.id) - entity_names(session, new.id))
        ),
        judged="now",
    )
    return _edited(session, article, old, new, verdict)


def _edited(
    session: Session, article: Article, old: Version, new: Version, verdict: RecordedVerdict
) -> EditedArticle:
    return EditedArticle(
        article_id=article.id,
        url=article.url,
        title=new.title,
        source=article.source.name,
        seen=new.fetched_at,
        from_version=old.number,
        to_version=new.number,
        kind=verdict.kind,
        revert_to=verdict.revert_to,
        title_change=(
            TitleChange(verdict.title_before, new.title)
            if verdict.title_before is not None
            else None
        ),
        fields=_field_changes(old, new),
        added=[s.new or "" for s in verdict.of("added")],
        removed=[s.old or "" for s in verdict.of("removed")],
        edited=[EditedSentence(s.old or "", s.new or "", s.redline) for s in verdict.of("edited")],
        moved=[s.new or "" for s in verdict.of("moved")],
        entities_added=list(verdict.entities_added),
        entities_removed=list(verdict.entities_removed),
        template=[TemplateSentence(s.kind, s.old, s.new) for s in verdict.template],
        judged=verdict.judged,
    )


def _recorded(changes: tuple[SentenceChange, ...] | list[SentenceChange]) -> list[RecordedSentence]:
    """A diff's changed sentences as a verdict records them (removed ones where they stood)."""
    sentences: list[RecordedSentence] = []
    at = 0
    for c in changes:
        if c.new_index is not None:
            at = c.new_index + 1
        if c.kind != "unchanged":
            index = c.new_index if c.new_index is not None else at
            sentences.append(RecordedSentence(c.kind, c.old, c.new, c.old_index, index))
    return sentences


def full_diff(
    session: Session,
    article: Article,
    old_number: int,
    new_number: int,
    rules: ChangeRules = NO_RULES,
) -> tuple[TextDiff, frozenset[int]]:
    """Every sentence of two versions in reading order, for side-by-side and inline views, and
    the positions of the template's changes. For neighbours: the recorded verdict's sentences
    among the newer text's unchanged ones."""
    old, new = _pair(article, old_number, new_number)
    if new_number != old_number + 1:
        change, _ = compare(old, NewState(new.title, new.text), rules)
        return (change.diff if change else diff_texts(old.text, new.text)), frozenset()
    verdict = verdict_of(session, new, rules)
    return laid_out(verdict.sentences, new.text)


def laid_out(
    recorded: tuple[RecordedSentence, ...], new_text: str
) -> tuple[TextDiff, frozenset[int]]:
    """The recorded changes put back among the unchanged sentences of `new_text`.

    A record that no longer fits the text (a sentence split differently since) is shown alone,
    without context, rather than misplaced.
    """
    sentences = split_sentences(new_text)
    fits = all(
        r.new_index is not None
        and r.new_index <= len(sentences)
        and (
            r.kind == "removed"
            or (r.new_index < len(sentences) and r.new == sentences[r.new_index])
        )
        for r in recorded
    )
    changes: list[SentenceChange] = []
    template: set[int] = set()
    done = 0  # new sentences already laid out
    for r in recorded:
        stop = r.new_index if fits and r.new_index is not None else done
        for j in range(done, max(done, stop)):
            changes.append(SentenceChange("unchanged", sentences[j], sentences[j], None, j))
        done = max(done, stop)
        if r.template:
            template.add(len(changes))
        kind = cast(ChangeKind, r.kind)
        changes.append(SentenceChange(kind, r.old, r.new, r.old_index, r.new_index, r.redline))
        if r.kind != "removed" and fits:
            done = max(done, (r.new_index or 0) + 1)
    if fits:
        changes.extend(
            SentenceChange("unchanged", sentences[j], sentences[j], None, j)
            for j in range(done, len(sentences))
        )
    return TextDiff(tuple(changes)), frozenset(template)


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
