"""Normalising and weighing text: the measures every extraction check shares."""

from __future__ import annotations

import re
import unicodedata

from lxml.html import HtmlElement

CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
BLOCK_TAG = re.compile(r"p|li|d[dt]|div|t[dh]|article|section|header|footer|aside|main|body|h[1-6]")
STANDALONE_SHARE = 2 / 3
"""A link stands alone when it is this much of its block (a headline, a teaser), not a link
inside a sentence; a line is a teaser's when its headline and summary are this much of it."""
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "title"})


def norm(text: str | None) -> str:
    """NFC, spaces collapsed: split() splits on exactly the characters regex \\s matches."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def weight(text: str) -> int:
    """Characters, a CJK character counting 3 (about a short English word)."""
    return len(text) + 2 * len(CJK.findall(text))


def visible_text(element: HtmlElement) -> str:
    """The element's text as a reader sees it, without scripts, styles and templates.

    Walked with a stack, not recursion: a page may nest elements thousands deep."""
    parts: list[str] = []
    work: list[tuple[bool, HtmlElement]] = [(False, element)]  # (its tail only?, node)
    while work:
        tail_only, node = work.pop()
        if tail_only:
            if node.tail:
                parts.append(node.tail)
            continue
        if not isinstance(node.tag, str) or node.tag in _INVISIBLE:
            continue  # a comment's or a script's tail is still read, by its parent's entry
        if node.text:
            parts.append(node.text)
        for child in reversed(node):
            work.append((True, child))
            work.append((False, child))
    return norm(" ".join(parts))
