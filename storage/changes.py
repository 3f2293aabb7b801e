"""Deciding what a new state of an article is: no change, a new version of some kind, a revert,
a removal, or a stub that must not become a version.

The rules, in order (each exists because change trackers flood users with false alarms):
1. Ignore patterns (timestamps, view counters) are removed before anything is compared.
2. Equal after normalisation (whitespace, quotes, dashes) is no change.
3. Equal to an earlier version is a revert to it; a page flipping between the same two states
   (an A/B headline test) is reported once, then stays quiet until a third state appears.
4. A short page whose own line says the article was removed is a removal (storage.removals).
5. A text that collapses to a stub (paywall, error page) is a failed fetch, not a version.
6. The new extraction is compared with the previous version's HTML extracted again by today's
   code, and differences the pages' template explains are set aside (storage.template); when
   nothing is left, there is no change.
7. Otherwise: a correction if a correction notice was added, minor if the article's letters and
   digits are the same (whitespace, punctuation, quotes or case changed: storage.words), else
   substantive: one word or figure added, removed or replaced is an edit.

The verdict is made once, here, when a version is stored, and recorded with it
(storage.verdicts); everything that shows an edit renders that record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from storage.diffs import SentenceChange, TextDiff, diff_texts
from storage.fingerprint import fingerprint
from storage.html_blobs import unpack
from storage.models import Version
from storage.removals import removal_notice
from storage.template import PageReader, template_positions, title_is_template
from storage.words import letters

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
# A stub (or a removal notice) is what is left of an article: this short, and a fraction of it.
STUB_MAX_CHARS = 600
STUB_MAX_SHARE = 0.4


@dataclass(frozen=True)
class ChangeRules:
    """The noise rules of one source: its ignore patterns plus the global ones."""

    ignore: tuple[re.Pattern[str], ...] = ()

    def strip(self, text: str) -> str:
        for pattern in self.ignore:
            text = pattern.sub("", text)
        return text

    def fingerprint(self, title: str, text: str) -> str:
        return fingerprint(self.strip(title), self.strip(text))


@dataclass(frozen=True)
class NoiseRules:
    """Every source's noise rules: the global [changes] ignore patterns, then each source's own.

    The config only parses the patterns; which text they make noise is storage's judgement, so
    the rules are assembled here."""

    common: tuple[re.Pattern[str], ...] = ()
    own: Mapping[str, tuple[re.Pattern[str], ...]] = field(default_factory=dict)

    def rules_for(self, source: str) -> ChangeRules:
        """One source's rules (only the global ones for a source no longer configured)."""
        return ChangeRules(self.common + self.own.get(source, ()))

    def by_source(self) -> dict[str, ChangeRules]:
        """Each listed source's rules, so diffs show what the stored summaries counted."""
        return {name: self.rules_for(name) for name in self.own}


@dataclass(frozen=True)
class Change:
    """A new version's change against the previous one: the verdict recorded with it.

    `diff` runs from `base_title`/the previous text as compared (today's re-extraction of the
    previous version's HTML when `reextracted`) to the new text; `template` holds the positions
    in `diff.changes` that the pages' template explains, which are recorded but are not edits.
    """

    kind: EditKind
    diff: TextDiff
    title_changed: bool
    revert_to: int | None = None
    template: frozenset[int] = field(default_factory=frozenset)
    base_title: str = ""
    new_title: str = ""
    reextracted: bool = False

    @property
    def edits(self) -> list[SentenceChange]:
        """The changed sentences that are the article's, not the template's."""
        return [
            c
            for i, c in enumerate(self.diff.changes)
            if c.kind != "unchanged" and i not in self.template
        ]


@dataclass(frozen=True)
class Verdict:
    """What to do with a new state: store it (with its change), skip it, refuse it, or record
    the article's removal (`notice` holds the page's own words)."""

    action: Literal["store", "unchanged", "refuse", "removed"]
    change: Change | None = None
    reason: str = ""
    notice: str = ""


@dataclass(frozen=True)
class NewState:
    """What a fetch found: the new title and text, and the HTML they came from (b"": unknown)
    with the URL it came from."""

    title: str
    text: str
    html: bytes = b""
    url: str = ""


def judge(
    history: list[Version], new: NewState, rules: ChangeRules, reader: PageReader | None = None
) -> Verdict:
    """Compare a new state with an article's stored versions (oldest first, at least one).

    With a `reader` and the new HTML, the previous version's stored HTML is extracted again and
    both pages' surfaces are read (rule 6); without, the stored text is compared as it is.
    """
    title, text = new.title, new.text
    latest = history[-1]
    digest = rules.fingerprint(title, text)
    prints = [_fingerprint_of(version, rules) for version in history]
    if prints[-1] == digest:
        return Verdict("unchanged")
    earlier = [v.number for v, p in zip(history[:-1], prints[:-1], strict=True) if p == digest]
    if earlier and latest.revert_to is not None and len(prints) >= 2 and prints[-2] == digest:
        return Verdict("unchanged", reason="alternating between two known states")
    if not earlier:
        if notice := _removal(latest.text, text):
            return Verdict("removed", reason=f"the page says: {notice}", notice=notice)
        if _is_stub(latest.text, text):
            return Verdict(
                "refuse",
                reason=f"text shrank from {len(latest.text)} to {len(text)} "
                "characters and reads like a paywall or error page; not a new version",
            )
    change, reason = compare(latest, new, rules, reader)
    if earlier:  # a revert is reported even when the template would explain it
        base = change or Change("revert", diff_texts(latest.text, text), False)
        return Verdict("store", replace(base, kind="revert", revert_to=earlier[-1]))
    if change is None:
        return Verdict("unchanged", reason=reason)
    return Verdict("store", change)


def compare(
    previous: Version, new: NewState, rules: ChangeRules, reader: PageReader | None = None
) -> tuple[Change | None, str]:
    """The change from `previous` to `new` (rules 6 and 7), or None and why there is none."""
    base_title, base_text, reextracted = previous.title, previous.text, False
    old_surface = new_surface = None
    if reader is not None and new.html:
        old_html = unpack(previous.html.data)
        reread = reader.reread(old_html, previous.fetched_url, previous.hints or {})
        if reread is not None:
            base_title, base_text = reread
            reextracted = True
            if rules.fingerprint(base_title, base_text) == rules.fingerprint(new.title, new.text):
                return None, (
                    "the previous version's HTML, extracted by today's code, gives this same "
                    "text: the extraction changed, not the article"
                )
        old_surface = reader.surface(old_html, previous.fetched_url)
        new_surface = reader.surface(new.html, new.url or previous.fetched_url)
    diff = visible_diff(base_text, new.text, rules)
    title_changed = rules.strip(base_title).strip() != rules.strip(new.title).strip()
    template: frozenset[int] = frozenset()
    if old_surface is not None and new_surface is not None:
        template = template_positions(diff, old_surface, new_surface, base_text, new.text)
        if title_changed and title_is_template(base_title, new.title, old_surface, new_surface):
            title_changed = False
    change = Change(
        "substantive",
        diff,
        title_changed,
        template=template,
        base_title=base_title,
        new_title=new.title,
        reextracted=reextracted,
    )
    if not change.edits and not title_changed:
        if template:
            return None, (
                f"only the site's template changed: {len(template)} sentences appear in or "
                "vanish from the extraction while both pages show them, or sit in link boxes"
            )
        return None, "no visible change"
    return replace(change, kind=edit_kind(change, rules)), ""


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


def is_correction(changes: list[SentenceChange]) -> bool:
    """An added or edited sentence carries a correction notice."""
    return any(_CORRECTION.search(c.new or "") for c in changes if c.kind in ("added", "edited"))


def edit_kind(change: Change, rules: ChangeRules) -> EditKind:
    """Correction, minor (only whitespace, punctuation, quotes or case changed) or substantive."""
    if is_correction(change.edits):
        return "correction"
    old_side, new_side = _sides(change)
    same_text = letters(rules.strip(old_side)) == letters(rules.strip(new_side))
    same_title = not change.title_changed or letters(change.base_title) == letters(change.new_title)
    return "minor" if same_text and same_title else "substantive"


def _sides(change: Change) -> tuple[str, str]:
    """Both texts as the diff holds them, less the template's sentences, in reading order."""
    old: list[tuple[int, str]] = []
    new: list[tuple[int, str]] = []
    for i, c in enumerate(change.diff.changes):
        if i in change.template:
            continue
        if c.old is not None and c.old_index is not None:
            old.append((c.old_index, c.old))
        if c.new is not None and c.new_index is not None:
            new.append((c.new_index, c.new))
    return "\n".join(t for _, t in sorted(old)), "\n".join(t for _, t in sorted(new))


def _removal(old: str, new: str) -> str | None:
    """The removal notice a short text that replaced a longer one consists of, if any."""
    if len(new) > STUB_MAX_CHARS or len(new) >= STUB_MAX_SHARE * len(old):
        return None
    return removal_notice(new.split("\n"))


def _is_stub(old: str, new: str) -> bool:
    shrunk = len(new) <= STUB_MAX_CHARS and len(new) < STUB_MAX_SHARE * len(old)
    return shrunk and bool(_STUB.search(new))


def _fingerprint_of(version: Version, rules: ChangeRules) -> str:
    """The stored fingerprint, or one with today's ignore patterns applied when there are any."""
    return rules.fingerprint(version.title, version.text) if rules.ignore else version.fingerprint
