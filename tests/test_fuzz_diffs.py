"""Fuzzing (hypothesis) of the sentence splitter and the sentence diff on arbitrary Unicode.

tests/test_diffs.py checks diffs of texts built from a small vocabulary; these properties take
any text (controls, NUL, RTL, combining marks, lone surrogates, CJK, abbreviations).
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_fuzz import messy_text

from storage.diffs import apply_diff, diff_texts, word_redline
from storage.fingerprint import normalise
from storage.sentences import split_sentences

SENTENCE_PIECES = [
    "Mr.", " Smith", "U.S.", " A", ". ", "? ", "!", "。", "！", "”", "」", "（", "\n", "...", "…",
    " $2.5", "e.g.", " 1.5", "好", "Kimi", "Dr.", " No.", "；", "V3.2",
]  # fmt: skip
texts = messy_text(SENTENCE_PIECES, max_pieces=20)
_TERMINATORS = ".!?…。！？；\"'”’)]」』）》〉】"


def _without_space(text: str) -> str:
    return "".join(char for char in text if not char.isspace())


@settings(max_examples=600, deadline=None)
@given(texts)
def test_sentences_join_back_to_the_text(text: str) -> None:
    sentences = split_sentences(text)
    assert _without_space("".join(sentences)) == _without_space(text)
    for sentence in sentences:
        assert sentence and sentence == sentence.strip() and "\n" not in sentence
        assert split_sentences(sentence) == [sentence]


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(["好。", "他说：“好。”", "真的吗？", "Done.", "Really?!"]), texts)
@example("他说好。", "Mr. Smith agreed.")  # was "Mr." alone: the word before "." was "好。Mr"
@example("他说：“好。”", "Dr. Wang left.")
def test_a_sentence_before_text_does_not_change_how_the_text_splits(first: str, rest: str) -> None:
    if rest[:1] in _TERMINATORS or (first.endswith((".", "?!")) and not rest[:1].isupper()):
        return  # these continue the first sentence or do not start one after a Latin end
    assert split_sentences(first + " " * first.isascii() + rest) == [
        first,
        *split_sentences(rest),
    ]


@settings(max_examples=400, deadline=None)
@given(texts, texts)
def test_any_diff_replays_and_is_empty_exactly_when_normalised_sentences_agree(
    old: str, new: str
) -> None:
    old_sentences, new_sentences = split_sentences(old), split_sentences(new)
    diff = diff_texts(old, new)
    assert apply_diff(old_sentences, diff) == new_sentences
    agree = [normalise(s) for s in old_sentences] == [normalise(s) for s in new_sentences]
    assert diff.is_empty == agree
    assert diff_texts(old, old).is_empty
    assert len(diff.changes) == len(new_sentences) + len(diff.removed)


@settings(max_examples=400, deadline=None)
@given(messy_text(max_pieces=10), messy_text(max_pieces=10))
def test_redline_joins_back_for_unicode_with_surrogates_and_controls(old: str, new: str) -> None:
    redline = word_redline(old, new)
    assert "".join(t for op, t in redline if op != "insert") == old
    assert "".join(t for op, t in redline if op != "delete") == new
    assert all(op != redline[k + 1][0] for k, (op, _) in enumerate(redline[:-1]))


_REFERENCE_FOLDS = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-",
        "\u2026": "...", "\u00a0": " ",
    }
)  # fmt: skip


def _reference_normalise(text: str) -> str:
    """normalise as first written: the fingerprints in existing archives came from this."""
    text = unicodedata.normalize("NFKC", text).translate(_REFERENCE_FOLDS)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\s*([,.;:!?\"'()\[\]-])\s*", r"\1", text)


_NORMALISE_PIECES = [
    " ", "  ", "\t", "\n", "\u00a0", "\u2003", "\u3000", "\x1c", "\x85", "\u2028", ",", ".",
    "-", "(", ")", "[", "]", "'", '"', ":", "!", "?", ";", "\u201c", "\u201d", "\u2019",
    "\u2014", "\u2026", "\u2033", "\u00ab", "\u2212", "\uff0c", "ﬁ", "a", "好",
]  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(messy_text(_NORMALISE_PIECES, max_pieces=30))
@example("a , b\u00a0- ( c )\u2026 d")
def test_normalise_gives_what_the_plain_regex_version_gave(text: str) -> None:
    assert normalise(text) == _reference_normalise(text)
