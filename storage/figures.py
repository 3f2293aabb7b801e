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


_MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_ENGLISH_DATE = re.compile(r"([A-Za-z]{3})[a-z]*\.?\s(\d{1,2})|(\d{1,2})\s([A-Za-z]{3})")
_ISO_DATE = re.compile(r"\d{4}-(\d{2})-(\d{2})")
_CHINESE_DATE = re.compile(r"(\d{1,2})月(\d{1,2})[日号]")
_NUMBER = re.compile(r"(\d(?:[\d,]*\d)?(?:\.\d+)?)\s?([A-Za-z%]+|万亿|亿|万|千)?")
_SCALES = {
    "trillion": 1e12, "t": 1e12, "万亿": 1e12, "billion": 1e9, "bn": 1e9, "b": 1e9, "亿": 1e8,
    "million": 1e6, "m": 1e6, "万": 1e4, "thousand": 1e3, "k": 1e3, "千": 1e3,
}  # fmt: skip


def figure_value(figure: str) -> str | None:
    """A language-independent key for ``figure``, for matching reports of one event: "January
    20" and "1月20日" are "d:01-20", "$1.2 billion" and "12亿美元" are "n:1.2e+09", "85.3%"
    "p:85.3". None for a figure too common to tell reports apart: a bare integer under 1,000 or
    a year, a month without a day, a number in Chinese numerals."""
    if match := _CHINESE_DATE.search(figure) or _ISO_DATE.fullmatch(figure):
        return f"d:{int(match[1]):02d}-{int(match[2]):02d}"
    if (match := _ENGLISH_DATE.match(figure)) and (match[1] or match[4]).lower() in _MONTHS:
        month = _MONTHS[(match[1] or match[4]).lower()]
        return f"d:{month:02d}-{int(match[2] or match[3]):02d}"
    if "年" in figure or not (match := _NUMBER.search(figure)):
        return None
    number = float(match[1].replace(",", ""))
    unit = (match[2] or "").lower()
    if unit in ("%", "percent") or "百分之" in figure:
        return f"p:{number:g}"
    scale = _SCALES.get(unit, 1.0)
    bare = scale == 1.0 and not re.search(r"[$€£¥￥元]", figure) and "." not in match[1]
    if bare and (number < 1000 or 1900 <= number <= 2100):
        return None
    return f"n:{number * scale:.6g}"
