"""The letters and digits of a text: what decides whether a change is cosmetic.

A reader's "minor" is a change of whitespace, punctuation, quotes or case; removing, adding or
replacing a word or a figure is an edit, however few characters it takes ("criteria" ->
"criterion", "18" -> "20"). So a change is cosmetic exactly when the text's letters and digits,
lower-cased and in order, stay the same. The same string also finds a sentence in a page's
visible text whatever markup, spacing or punctuation the page puts between its words
("(CNN)Winning" in one extraction, "CNN — Winning" on the page).
"""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[\W_]+")
# Typographic stand-ins for a letter, which NFKC keeps: "27×7.75" is "27x7.75" set nicely.
_FOLDS = str.maketrans({"×": "x"})


def letters(text: str) -> str:
    """`text` lower-cased with everything but letters and digits (any script) dropped."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_FOLDS)
    return _NOT_ALNUM.sub("", folded)


def same_words(old: str, new: str) -> bool:
    """True when `old` and `new` differ only in whitespace, punctuation, quotes or case."""
    return letters(old) == letters(new)
