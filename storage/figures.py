"""Figures an edit changed: a price, a score, a parameter count, a sum, a date, a percentage.

An analyst reading an edit asks "which number moved?" before "which words moved?": a price cut
from $0.50 to $0.80, a launch date pushed by two days, 671B parameters corrected to 685B. The
sentence diff (storage.diffs) already pairs each reworded sentence with its old form, so this
module only has to find the figures in both sides of a pair and line them up.

Why regular expressions and not a number parser (e.g. quantulum3, price-parser): the figures are
compared as written, not converted, and "$0.5" → "$0.50" is not a change only because the
normalised key (``_key``) drops grouping commas, spaces and trailing decimal zeros. A figure is

- a date: "January 28, 2025", "28 Jan 2025", "2025-01-28", "2025年1月28日", "1月28日";
- a number with what makes it a figure: currency before (``$ € £ ¥ ￥``), a scale or unit after
  (billion, million, B, M, K, %, percent, 万, 亿, 元, 美元, tokens are not needed);
- a bare number (``42``, ``3.5``) unless glued to a word: "Qwen2.5", "GPT-4" and "V3" are names;
- Chinese numerals with a scale or currency (三千亿元, 两万, 百分之三十): cheap to find, and
  a Chinese outlet writes sums that way.

"50%" vs "一半" is not recognised (no conversion). The two figure lists of a pair are aligned with
difflib on their keys; each replaced figure is one change, so an inserted figure with no
counterpart (a price that gained "per million tokens") is not reported as a change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_ZH_DIGITS = "零〇一二三四五六七八九十百千两"
_SCALE = (
    r"(?:\s?(?:%|percent\b|per\s?cent\b|trillion\b|billion\b|million\b|thousand\b|bn\b"
    r"|[BMKT]\b)|万亿|亿|万|千)"
)
_FIGURE = re.compile(
    "|".join(
        [
            rf"{_MONTH}\s\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s\d{{4}})?",  # January 28, 2025
            rf"\b\d{{1,2}}\s{_MONTH}(?:\s\d{{4}})?",  # 28 Jan 2025
            r"\b\d{4}-\d{2}-\d{2}\b",
            r"\d{4}年\d{1,2}月(?:\d{1,2}[日号])?|\d{1,2}月\d{1,2}[日号]",
            # A number glued to a Latin letter, dot or hyphen before it is part of a name.
            rf"(?:[$€£¥￥]\s?)?(?<![A-Za-z0-9_.\-])\d(?:[\d,]*\d)?(?:\.\d+)?{_SCALE}?(?:美元|元|人民币)?",
            rf"百分之[{_ZH_DIGITS}点]+",
            rf"[{_ZH_DIGITS}]+(?:万亿|亿|万)(?:美元|元)?|[{_ZH_DIGITS}]+(?:美元|元)",
        ]
    )
)
_TRAILING_ZEROS = re.compile(r"(\.\d*?)0+(?!\d)")


@dataclass(frozen=True)
class FigureChange:
    """One figure of an edited sentence: as it was, as it is, and the sentence now."""

    old: str
    new: str
    sentence: str


def figures_in(sentence: str) -> list[str]:
    """The figures of ``sentence`` in order, as written."""
    found = (match.group().strip() for match in _FIGURE.finditer(sentence))
    return [figure for figure in found if figure]


def figure_changes(pairs: Iterable[tuple[str, str]]) -> list[FigureChange]:
    """Every figure that changed between the old and new sentence of each edited pair."""
    changes: list[FigureChange] = []
    for old, new in pairs:
        old_figures, new_figures = figures_in(old), figures_in(new)
        matcher = SequenceMatcher(
            None,
            [_key(f) for f in old_figures],
            [_key(f) for f in new_figures],
            autojunk=False,
        )
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "replace":
                for before, after in zip(old_figures[i1:i2], new_figures[j1:j2], strict=False):
                    changes.append(FigureChange(before, after, new))
    return changes


def _key(figure: str) -> str:
    """What two spellings of one figure share: no grouping commas, spaces, trailing zeros."""
    compact = re.sub(r"[\s,]", "", figure).lower()
    return _TRAILING_ZEROS.sub(lambda m: "" if m.group(1) == "." else m.group(1), compact)
