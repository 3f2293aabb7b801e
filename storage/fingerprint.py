"""Content fingerprints: cosmetic differences must not make a new version.

The stored text stays exact; only the comparison is normalised (as diffengine's `_fingerprint`).
Stored fingerprints are compared with new ones, so `normalise` must never change its output:
its steps are written for speed (it runs on every stored page and every diffed sentence) and
each gives exactly what the plain regex version gave (`\\s+` to one space, strip, then
`\\s*([punct])\\s*` to the punctuation alone).
"""

import hashlib
import re
import unicodedata

# Typographic variants that editors and CMSs swap without changing meaning. None maps to a
# character another entry replaces, so applying them one after another is one translation.
_FOLDS = (
    ("\u2018", "'"),
    ("\u2019", "'"),
    ("\u201a", "'"),
    ("\u201b", "'"),
    ("\u2032", "'"),
    ("\u201c", '"'),
    ("\u201d", '"'),
    ("\u201e", '"'),
    ("\u201f", '"'),
    ("\u2033", '"'),
    ("\u00ab", '"'),
    ("\u00bb", '"'),
    ("\u2013", "-"),
    ("\u2014", "-"),
    ("\u2212", "-"),
    ("\u2026", "..."),
    ("\u00a0", " "),
)
_PUNCT = r"[,.;:!?\"'()\[\]-]"
# A space before or after punctuation. Correct only once every run of whitespace is one space;
# both branches start with the space, so the regex engine skips ahead to spaces only.
_SPACE_AT_PUNCT = re.compile(f" (?={_PUNCT})| (?<={_PUNCT} )")


def normalise(text: str) -> str:
    """Text with Unicode, quote, dash and whitespace differences folded away."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():  # str.translate with a dict is slow; most folds are absent
        for variant, plain in _FOLDS:
            if variant in text:
                text = text.replace(variant, plain)
    text = " ".join(text.split())  # split() and the regex \s agree on what is whitespace
    return _SPACE_AT_PUNCT.sub("", text)


def fingerprint(title: str, text: str) -> str:
    """SHA-256 of the normalised title and text: equal fingerprints mean "same version"."""
    payload = normalise(title) + "\n" + normalise(text)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
