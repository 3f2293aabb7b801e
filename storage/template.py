"""Telling a site's template from its editors: which differences of two extractions are no edits.

The extracted text of a page changes when its editors change the article, but also when the
site redesigns (a dateline moves out of the first paragraph, an explainer box appears, embedded
tweets become links), when a box inside the body links elsewhere ("Related Story", a teaser,
a stock ticker), and when the extractor itself changes. Judging reads both versions' HTML:

1. The previous version's stored HTML is extracted again by today's code and options (the
   crawler passes a `PageReader`: storage never imports crawler/), so a change of extractor
   behaviour cannot pose as an edit; that extraction is what the new one is compared with.
2. A sentence that appears in, or vanishes from, the extraction while the other page shows it
   too (`Surface.visible`, the HTML's visible text) is the template's: the words on the page did
   not change, only what was extracted. An edited sentence is the template's when each page
   shows the other's wording.
3. A sentence that lies in a box (`Surface.boxes`: a teaser, a "Related Story", a sign-up
   form, an embedded post) on the page it comes from is the box's, not the article's.
4. An edited sentence whose changed words are all link widgets of their page
   (`Surface.widgets`, a ticker's "NASDAQ:AMZN" that became "AMZN 3.60%"), or that differs
   only by a leading dateline ("(Reuters) -", "(CNN)", "新华社北京1月28日电"), is the template's;
   so is a short call to action (a sign-up, "Follow us", "Story continues below").
5. What sits with a template change is the template's too: the other sentences of its
   paragraph (one block of the page), and a label of a few words right beside it.

Comparison is on `storage.words.letters`, so markup, spacing and punctuation between words do
not matter; for the same reason a cosmetic edit (same letters and digits) is never the
template's but left to the minor rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from storage.diffs import Redline, SentenceChange, TextDiff
from storage.sentences import sentence_paragraphs
from storage.words import letters

LABEL_WORDS = 5
"""A sentence this short beside a template change is its label ("Key Highlights", "More
video", "SI Recommends"): the box's heading, gone or come with it."""
PROMPT_MAX_CHARS = 160
# Data: the calls to action sites put in and around the article body. Only a sentence this
# short can be one; a long sentence mentioning a newsletter is the article's.
_PROMPT = re.compile(
    r"\b(?:sign(?:ing)?[ -]up|subscribe|newsletters?|notifications?|follow us|share this"
    r"|letters? to the editor|click here|download (?:our|the) app"
    r"|continue reading|read more|story continue[sd]? below|related (?:stories|articles|coverage)"
    r"|recommended for you)\b"
    r"|关注我们|扫码|订阅|点击查看|相关阅读|推荐阅读|延伸阅读|责任编辑|下载客户端|分享到|阅读原文",
    re.IGNORECASE,
)

# A leading dateline: place names in capitals, a date, the agency in brackets, a dash; or a
# Chinese agency's "新华社北京1月28日电（记者 …）" and a paper's "本报讯". Never empty.
_AGENCY = r"\([A-Z][\w&.'’ -]{0,30}\)"
_DATELINE = re.compile(
    r"^\s*(?:"
    r"[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+)*,?\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s*)?"
    rf"(?:{_AGENCY}\s*)?(?:[-–—:]+\s*)?"
    rf"|{_AGENCY}\s*(?:[-–—:]+\s*)?"
    r"|(?:新华社|中新社|中新网|本报|央视网)[^\s，。]{0,20}?(?:电|讯)(?:[（(][^）)]{0,30}[）)])?"
    r")"
)


@dataclass(frozen=True)
class Surface:
    """What a page shows besides its article: its visible text and the texts of its link boxes."""

    visible: str
    boxes: tuple[str, ...] = field(default=())
    widgets: tuple[str, ...] = field(default=())

    @cached_property
    def visible_letters(self) -> str:
        return letters(self.visible)

    @cached_property
    def box_letters(self) -> tuple[str, ...]:
        return tuple(b for b in (letters(box) for box in self.boxes) if b)

    def shows(self, sentence: str) -> bool:
        """The page's visible text holds `sentence`'s words, in order."""
        words = letters(sentence)
        return bool(words) and words in self.visible_letters

    @cached_property
    def widget_letters(self) -> tuple[str, ...]:
        return tuple(w for w in (letters(widget) for widget in self.widgets) if w)

    def boxed(self, sentence: str) -> bool:
        """`sentence` is (part of) one of the page's boxes, and nowhere else on the page: a
        heading repeated in a table of contents is still the article's."""
        words = letters(sentence)
        if not words:
            return False
        in_boxes = sum(box.count(words) for box in self.box_letters)
        return in_boxes > 0 and self.visible_letters.count(words) <= in_boxes

    def widget(self, run: str) -> bool:
        """`run` (words an edit changed) is no words at all, or most of one of the page's link
        widgets ("NASDAQ:AMZN"; not the letter "a" that a widget happens to contain)."""
        words = letters(run)
        return not words or any(
            words in widget and 2 * len(words) >= len(widget) for widget in self.widget_letters
        )


class PageReader(Protocol):
    """The crawler's HTML code, passed in by the pipeline (and by `labscope rejudge`)."""

    def reread(self, html: bytes, url: str, hints: Mapping[str, Any]) -> tuple[str, str] | None:
        """(title, text) of stored HTML extracted as a new page would be; None for no article."""

    def surface(self, html: bytes, url: str) -> Surface:
        """The visible text, boxes and link widgets of stored HTML fetched from `url`."""


def template_positions(
    diff: TextDiff, old: Surface, new: Surface, old_text: str, new_text: str
) -> frozenset[int]:
    """Positions in `diff.changes` of the changes the pages' template explains (rules 2 to 5);
    `old_text` and `new_text` are the texts `diff` was made from."""
    if diff.whole:
        # A rewrite too large to align (storage.diffs guard 6): looking for each of its
        # sentences in the other page's text is quadratic (100 s for 40,000 sentences).
        return frozenset()
    changes = diff.changes
    found = {i for i, c in enumerate(changes) if _is_template(c, old, new)}
    paragraphs = {"old": sentence_paragraphs(old_text), "new": sentence_paragraphs(new_text)}

    def block(i: int) -> tuple[str, int] | None:
        """The paragraph (side, number) an added or removed sentence belongs to."""
        c = changes[i]
        side, index = ("new", c.new_index) if c.kind == "added" else ("old", c.old_index)
        numbers = paragraphs[side]
        if c.kind not in ("added", "removed") or index is None or index >= len(numbers):
            return None
        return side, numbers[index]

    grew = True
    while grew:  # rule 5 spreads along a box's paragraph and its label
        boxes = {block(i) for i in found} - {None}
        grown = {
            i
            for i, c in enumerate(changes)
            if i not in found
            and c.kind in ("added", "removed")
            and (
                block(i) in boxes or (_is_label(c.old or c.new or "") and ({i - 1, i + 1} & found))
            )
        }
        found |= grown
        grew = bool(grown)
    return frozenset(found)


def _is_label(sentence: str) -> bool:
    return len(sentence.split()) <= LABEL_WORDS and len(sentence) <= 4 * LABEL_WORDS * 2


def _is_template(change: SentenceChange, old: Surface, new: Surface) -> bool:
    before, after = change.old or "", change.new or ""
    if change.kind == "added":
        return old.shows(after) or new.boxed(after) or _is_prompt(after)
    if change.kind == "removed":
        return new.shows(before) or old.boxed(before) or _is_prompt(before)
    if change.kind == "edited":
        if letters(before) == letters(after):
            return False  # a cosmetic edit is the editor's: the minor rule judges it
        return (
            (new.shows(before) and old.shows(after))
            or old.boxed(before)
            or new.boxed(after)
            or _widgets_only(change.redline, old, new)
            or _dateline_only(before, after)
        )
    if change.kind == "moved":
        return old.boxed(before) or new.boxed(after)
    return False


def _is_prompt(sentence: str) -> bool:
    """A short call to action: a sign-up, a follow-us, a letters-to-the-editor invitation."""
    return len(sentence) <= PROMPT_MAX_CHARS and _PROMPT.search(sentence) is not None


def _widgets_only(redline: Redline, old: Surface, new: Surface) -> bool:
    """Every run the redline deletes is a widget of the old page, every inserted one of the new."""
    runs: list[tuple[str, str]] = []
    for op, text in redline:
        if op == "equal":
            continue
        if runs and runs[-1][0] == op:
            runs[-1] = (op, runs[-1][1] + text)
        else:
            runs.append((op, text))
    return bool(runs) and all((old if op == "delete" else new).widget(text) for op, text in runs)


def _dateline_only(old: str, new: str) -> bool:
    """The two differ only in a dateline at the start: "WASHINGTON (Reuters) -", "(CNN)"."""
    old_rest, new_rest = _DATELINE.sub("", old, count=1), _DATELINE.sub("", new, count=1)
    changed = (old_rest, new_rest) != (old, new)
    return changed and letters(old_rest) == letters(new_rest)


def title_is_template(old_title: str, new_title: str, old: Surface, new: Surface) -> bool:
    """One page shows the other's title: the headline did not change, only which string the
    extractor took for it (a section name, "See Also", the site's logo text)."""
    if letters(old_title) == letters(new_title):
        return False  # cosmetic: the editor's, judged minor
    return new.shows(old_title) or old.shows(new_title)
