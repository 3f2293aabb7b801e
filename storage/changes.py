"""Deciding what a new state of an article is: no change, a new version of some kind, a revert,
or a stub that must not become a version; and comparing any two stored versions.

The rules, in order (each exists because change trackers flood users with false alarms):
1. Ignore patterns (timestamps, view counters) are removed before anything is compared.
2. Equal after normalisation (whitespace, quotes, dashes) is no change.
3. Equal to an earlier version is a revert to it; a page flipping between the same two states
   (an A/B headline test) is reported once, then stays quiet until a third state appears.
4. A diff with no visible change is no change, whatever the fingerprints say.
5. A text that collapses to a stub (paywall, error page) is a failed fetch, not a version.
6. Otherwise: a correction if a correction notice was added, minor if fewer than `min_change`
   characters changed, else substantive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from storage.diffs import TextDiff, diff_texts
from storage.fingerprint import fingerprint
from storage.models import Version

EditKind = Literal["substantive", "minor", "correction", "revert"]

_CORRECTION = re.compile(
    r"^\W*(corrections?|clarifications?|updates?|updated|editor['’]s note)\b\s*[:：—-]"
    r"|an earlier version of this (article|story|report)"
    r"|^\W*(更正|更新|勘误|编者注|编辑注|修正)",
    re.IGNORECASE,
)
_STUB = re.compile(
    r"subscribe|subscription|subscriber|sign in to|log in to|register to (continue|read)|"
    r"paywall|page not found|not be found|access denied|temporarily unavailable|404|"
    r"订阅|登录|会员|付费|页面不存在|无法访问|找不到",
    re.IGNORECASE,
)
# A stub is what is left of an article: this short, and a fraction of what it was.
STUB_MAX_CHARS = 600
STUB_MAX_SHARE = 0.4


@dataclass(frozen=True)
class ChangeRules:
    """The noise rules of one source: its ignore patterns plus the global ones."""

    ignore: tuple[re.Pattern[str], ...] = ()
    min_change: int = 20

    def strip(self, text: str) -> str:
        for pattern in self.ignore:
            text = pattern.sub("", text)
        return text

    def fingerprint(self, title: str, text: str) -> str:
        return fingerprint(self.strip(title), self.strip(text))


@dataclass(frozen=True)
class Change:
    """A new version's change against the previous one, as stored in its summary columns."""

    kind: EditKind
    diff: TextDiff
    title_changed: bool
    revert_to: int | None = None


@dataclass(frozen=True)
class Verdict:
    """What to do with a new state: store it (with its change), skip it, or refuse it."""

    action: Literal["store", "unchanged", "refuse"]
    change: Change | None = None
    reason: str = ""


def judge(history: list[Version], title: str, text: str, rules: ChangeRules) -> Verdict:
    """Compare a new state with an article's stored versions (oldest first, at least one)."""
    latest = history[-1]
    digest = rules.fingerprint(title, text)
    prints = [_fingerprint_of(version, rules) for version in history]
    if prints[-1] == digest:
        return Verdict("unchanged")
    diff = visible_diff(latest.text, text, rules)
    title_changed = rules.strip(latest.title).strip() != rules.strip(title).strip()
    earlier = [v.number for v, p in zip(history[:-1], prints[:-1], strict=True) if p == digest]
    if earlier:
        if latest.revert_to is not None and len(prints) >= 2 and prints[-2] == digest:
            return Verdict("unchanged", reason="alternating between two known states")
        return Verdict("store", Change("revert", diff, title_changed, revert_to=earlier[-1]))
    if diff.is_empty and not title_changed:
        return Verdict("unchanged", reason="no visible change")
    if _is_stub(latest.text, text):
        return Verdict(
            "refuse",
            reason=f"text shrank from {len(latest.text)} to {len(text)} "
            "characters and reads like a paywall or error page; not a new version",
        )
    return Verdict("store", Change(edit_kind(diff, title_changed, rules), diff, title_changed))


def visible_diff(old: str, new: str, rules: ChangeRules) -> TextDiff:
    """The sentence diff of the exact texts, without changes that only ignore patterns explain."""
    diff = diff_texts(old, new)
    if not rules.ignore:
        return diff
    kept = tuple(
        change
        for change in diff.changes
        if not _only_ignored(change.old or "", change.new or "", change.kind, rules)
    )
    return TextDiff(kept)


def _only_ignored(old: str, new: str, kind: str, rules: ChangeRules) -> bool:
    if kind == "edited":
        return rules.fingerprint("", old) == rules.fingerprint("", new)
    if kind in ("added", "removed"):
        return not rules.strip(old or new).strip()
    return False


def is_correction(diff: TextDiff) -> bool:
    """An added or edited sentence carries a correction notice."""
    sentences = [c.new or "" for c in diff.added] + [c.new or "" for c in diff.edited]
    return any(_CORRECTION.search(sentence) for sentence in sentences)


def edit_kind(diff: TextDiff, title_changed: bool, rules: ChangeRules) -> EditKind:
    if is_correction(diff):
        return "correction"
    if diff.chars_changed < rules.min_change and not (diff.added or diff.removed or title_changed):
        return "minor"
    return "substantive"


def _is_stub(old: str, new: str) -> bool:
    shrunk = len(new) <= STUB_MAX_CHARS and len(new) < STUB_MAX_SHARE * len(old)
    return shrunk and bool(_STUB.search(new))


def _fingerprint_of(version: Version, rules: ChangeRules) -> str:
    """The stored fingerprint, or one with today's ignore patterns applied when there are any."""
    return rules.fingerprint(version.title, version.text) if rules.ignore else version.fingerprint
