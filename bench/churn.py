"""Markup churn and text edits of a real page, for the fast path's property test and benchmark.

``churn`` changes what real sites change on every visit and nothing a reader sees: the code of
inline scripts, a nonce script, a CSRF ``<meta>``, attribute values, comments, and empty ad slot
``<div>``s. ``edit_word`` makes the smallest edit of the article: one word of one paragraph of
the extracted text replaced, at the one place in the HTML the word is written.
"""

from __future__ import annotations

import random
import re

_SCRIPT = re.compile(r"(<script\b(?![^>]*ld\+json)[^>]*>)(.*?)(</script\s*>)", re.I | re.S)
_HEAD = re.compile(r"<head\b[^>]*>", re.I)
_OPENING = re.compile(r"<(div|p|section|span|a|li|ul|h[1-6])\b", re.I)
_RAW = re.compile(
    r"<(script|style|title|textarea|noscript|template)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S
)
_BLOCKS = frozenset({"div", "section", "p", "ul"})
_TOKEN = re.compile(r"\w+")
_WORD = re.compile(r"[^\W\d_]{4,}")
SLOTS = 6  # ad slots inserted per churn


def token(rnd: random.Random) -> str:
    return f"{rnd.getrandbits(64):016x}"


def churn(html: str, rnd: random.Random) -> str:
    """`html` as the same site serves it on another visit: new markup, the same text."""
    html = _SCRIPT.sub(lambda m: f"{m[1]}window.__t='{token(rnd)}';{m[2]}{m[3]}", html)
    head = (
        f'<meta name="csrf-token" content="{token(rnd)}">'
        f"<script nonce=\"{token(rnd)}\">var rid='{token(rnd)}';</script>"
        f"<!-- served by edge {token(rnd)} -->"
    )
    raw = _raw(html)
    heads = (m.end() for m in _HEAD.finditer(html) if not _inside(m.start(), raw))
    at = next(heads, 0)
    html = html[:at] + head + html[at:]
    raw = _raw(html)
    openings = [m for m in _OPENING.finditer(html) if not any(a <= m.start() < b for a, b in raw)]
    chosen = sorted(rnd.sample(openings, min(len(openings), 4 * SLOTS)), key=lambda m: m.start())
    pieces: list[str] = []
    last = 0
    for number, opening in enumerate(chosen):
        pieces.append(html[last : opening.end()])
        if number % 4 == 0 and opening[1].lower() in _BLOCKS:  # an ad slot, empty until its
            # script runs, before a block (before an inline element it would close a <p>)
            pieces[-1] = (
                html[last : opening.start()]
                + f'<div class="ad-slot" id="ad-{token(rnd)}" data-pos="{number}"></div>'
                + html[opening.start() : opening.end()]
            )
        else:  # an attribute that changes on every visit
            pieces.append(f' data-v="{token(rnd)}"')
        last = opening.end()
    pieces.append(html[last:])
    return "".join(pieces)


def edit_word(html: str, paragraph: str, rnd: random.Random) -> str | None:
    """`html` with one word of `paragraph` (a paragraph of the extracted text) replaced, where
    the HTML holds that word once, outside tags; None when it holds none of them once."""
    raw = _raw(html)
    places: dict[str, list[int]] = {}  # every word of the HTML: where it is written
    for found in _TOKEN.finditer(html):
        places.setdefault(found[0], []).append(found.start())
    words: list[str] = sorted(set(_WORD.findall(paragraph)))
    rnd.shuffle(words)
    for word in words:
        where = places.get(word, [])
        if len(where) != 1 or _inside(where[0], raw):
            continue
        at = where[0]
        if html.rfind("<", 0, at) > html.rfind(">", 0, at):  # inside a tag: an attribute
            continue
        return html[:at] + word[::-1] + "x" + html[at + len(word) :]
    return None


def _raw(html: str) -> list[tuple[int, int]]:
    """Where the HTML is not markup: comments, and elements whose content is not parsed."""
    return [(m.start(), m.end()) for m in _RAW.finditer(html)]


def _inside(at: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= at < end for start, end in spans)
