"""Content fingerprints: cosmetic differences must not make a new version.

The stored text stays exact; only the comparison is normalised (as diffengine's `_fingerprint`).
"""

import hashlib
import re
import unicodedata

# Typographic variants that editors and CMSs swap without changing meaning.
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
    }
)
_SPACE = re.compile(r"\s+")
_PUNCT_SPACE = re.compile(r"\s*([,.;:!?\"'()\[\]-])\s*")


def normalise(text: str) -> str:
    """Text with Unicode, quote, dash and whitespace differences folded away."""
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    text = _SPACE.sub(" ", text).strip()
    return _PUNCT_SPACE.sub(r"\1", text)


def fingerprint(title: str, text: str) -> str:
    """SHA-256 of the normalised title and text: equal fingerprints mean "same version"."""
    payload = normalise(title) + "\n" + normalise(text)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
