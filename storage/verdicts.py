"""Each edit's verdict, recorded when its version is stored and read by everything that shows it.

One verdict per edit: the crawl judges a new version once (storage.changes.judge) and records
here its kind, its changed sentences (the pairs themselves, template ones marked), its title
change and its entity changes. Digests in every format, `labscope diff` and the web app render
this record, so a rule added after the crawl changes later crawls, not what was reported; to
apply today's rules to the past, `labscope rejudge` (storage.rejudge) rewrites records.

Versions stored before verdicts were recorded (migration 0010) have `judged` NULL. They are
judged when read, by today's code on their stored texts, and say so (`judged == "read_time"`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from storage.changes import Change, ChangeRules, NewState, compare, judge
from storage.diffs import Redline, TextDiff, word_redline
from storage.entities import MAX_NAME, entity_names
from storage.models import ChangedSentence, Version, table_of
from storage.records import EntityRecord

_ROWS = table_of(ChangedSentence)
_ADD_ROWS = insert(_ROWS)


@dataclass(frozen=True)
class RecordedSentence:
    """One changed sentence of a verdict: `old` and `new` as they were compared."""

    kind: str  # added | removed | edited | moved
    old: str | None
    new: str | None
    old_index: int | None
    new_index: int | None  # for a removed sentence: how many new sentences precede it
    template: bool = False

    @property
    def redline(self) -> Redline:
        """Word-level marks of an edited sentence (a pure function of the recorded pair)."""
        if self.kind != "edited":
            return ()
        return word_redline(self.old or "", self.new or "")


@dataclass(frozen=True)
class RecordedVerdict:
    """What one version changed against the one before it, as judged."""

    number: int
    kind: str  # substantive | minor | correction | revert | unchanged (rejudged: no edit)
    revert_to: int | None
    title: str
    title_before: str | None  # None: the title did not change
    sentences: tuple[RecordedSentence, ...]
    entities_added: tuple[str, ...] = ()
    entities_removed: tuple[str, ...] = ()
    judged: str = "stored_text"  # stored_text | reextracted | read_time
    judged_at: datetime | None = None

    def of(self, kind: str) -> list[RecordedSentence]:
        """The article's own changes of `kind` (template changes left out)."""
        return [s for s in self.sentences if s.kind == kind and not s.template]

    @property
    def template(self) -> list[RecordedSentence]:
        return [s for s in self.sentences if s.template]


def verdict_columns(change: Change | None, at: datetime) -> dict[str, Any]:
    """The verdict's columns of a new version row (version 1 has no change: zeros)."""
    if change is None:
        return {"judged": None, "judged_at": None}
    edits = change.edits
    chars = TextDiff(tuple(edits)).chars_changed  # the template's sentences do not count
    return {
        "change_kind": change.kind,
        "revert_to": change.revert_to,
        "sentences_added": sum(c.kind == "added" for c in edits),
        "sentences_removed": sum(c.kind == "removed" for c in edits),
        "sentences_edited": sum(c.kind == "edited" for c in edits),
        "sentences_moved": sum(c.kind == "moved" for c in edits),
        "chars_changed": chars,
        "sentences_template": len(change.template),
        "title_before": change.base_title if change.title_changed else None,
        "judged": "reextracted" if change.reextracted else "stored_text",
        "judged_at": at,
    }


def entity_changes(
    session: Session, previous_id: int, records: Iterable[EntityRecord], change: Change
) -> dict[str, list[str]]:
    """The entities the new version names that the previous did not, and the reverse.

    An entity first named in a sentence the template explains is the template's, not the
    edit's (an explainer box naming OpenAI does not make the article name it).
    """
    template_text = {change.diff.changes[i].new for i in change.template}
    new = {
        r.name.strip()[:MAX_NAME]
        for r in records
        if r.name.strip() and not any(r.context and r.context in (t or "") for t in template_text)
    }
    every = {r.name.strip()[:MAX_NAME] for r in records if r.name.strip()}
    old = entity_names(session, previous_id)
    return {
        "entities_added": sorted(new - old),
        "entities_removed": sorted(old - every),
    }


def record_sentences(session: Session, version_id: int, change: Change) -> None:
    """The verdict's changed sentences, one row each, template ones marked."""
    rows: list[dict[str, Any]] = []
    inserted_at = 0  # new sentences before the current position: where a removed one stood
    for position, c in enumerate(change.diff.changes):
        if c.new_index is not None:
            inserted_at = c.new_index + 1
        if c.kind == "unchanged":
            continue
        rows.append(
            {
                "version_id": version_id,
                "position": position,
                "kind": c.kind,
                "old": c.old,
                "new": c.new,
                "old_index": c.old_index,
                "new_index": c.new_index if c.new_index is not None else inserted_at,
                "template": position in change.template,
            }
        )
    if rows:
        session.connection().execute(_ADD_ROWS, rows)


def forget_sentences(session: Session, version_id: int) -> None:
    """Drop a version's recorded sentences (before `labscope rejudge --apply` records new ones)."""
    session.connection().execute(delete(_ROWS).where(_ROWS.c.version_id == version_id))


def verdict_of(session: Session, version: Version, rules: ChangeRules) -> RecordedVerdict:
    """The recorded verdict of `version` (number 2 or more), or for a version stored before
    verdicts were recorded, today's judgement of its stored texts under `rules`."""
    if version.judged is not None:
        return RecordedVerdict(
            number=version.number,
            kind=version.change_kind or "substantive",
            revert_to=version.revert_to,
            title=version.title,
            title_before=version.title_before,
            sentences=tuple(
                RecordedSentence(r.kind, r.old, r.new, r.old_index, r.new_index, r.template)
                for r in version.sentence_changes
            ),
            entities_added=tuple(version.entities_added or ()),
            entities_removed=tuple(version.entities_removed or ()),
            judged=version.judged,
            judged_at=version.judged_at,
        )
    return _judged_now(session, version, rules)


def _judged_now(session: Session, version: Version, rules: ChangeRules) -> RecordedVerdict:
    history = [v for v in version.article.versions if v.number < version.number]
    previous = history[-1]
    verdict = judge(history, NewState(version.title, version.text), rules)
    change = verdict.change
    if change is None:  # today's rules find no edit: shown as what the texts differ by
        found, _ = compare(previous, NewState(version.title, version.text), rules)
        change = found
    kind = verdict.change.kind if verdict.change else "unchanged"
    sentences: list[RecordedSentence] = []
    if change is not None:
        at = 0
        for c in change.diff.changes:
            if c.new_index is not None:
                at = c.new_index + 1
            if c.kind != "unchanged":
                index = c.new_index if c.new_index is not None else at
                sentences.append(RecordedSentence(c.kind, c.old, c.new, c.old_index, index))
    old_names = entity_names(session, previous.id)
    new_names = entity_names(session, version.id)
    title_changed = previous.title.strip() != version.title.strip()
    return RecordedVerdict(
        number=version.number,
        kind=kind,
        revert_to=verdict.change.revert_to if verdict.change else None,
        title=version.title,
        title_before=previous.title if title_changed else None,
        sentences=tuple(sentences),
        entities_added=tuple(sorted(new_names - old_names)),
        entities_removed=tuple(sorted(old_names - new_names)),
        judged="read_time",
    )
