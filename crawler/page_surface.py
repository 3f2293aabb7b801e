"""What a page shows a reader besides its extracted article: its visible text and its link boxes.

Judging an edit (storage.template) asks two questions of both versions' HTML:

- Is a sentence that appeared in, or vanished from, the extraction on the page all along? The
  visible text answers: every text node outside <head>, scripts, styles, templates and elements
  marked `hidden`, in document order. An intro the old extraction missed, a dateline moved out
  of the first paragraph, a subheading the new template wraps differently are all still there.
- Is it part of a box inside the article body rather than of the article? A box is the card
  around a link that stands alone in its block (a headline link, a "Related Story", a category
  with its counter, "Back to top"), around a form control (a newsletter sign-up), an <aside>,
  or a quotation linking to another site (an embedded post), grown to the small container
  holding its label and summary, and text only screen readers get. Its text changes when
  the site does, not when the article is edited.
- Which short words inside sentences are links or widgets (a ticker's "AMZN 3.60%")? An edit
  that only swaps such words is the widget's.

Both are computed from the stored bytes, decoded as the spider decodes a page whose HTTP headers
are gone: the bytes when they are UTF-8, else the page's own <meta> charset.
"""

from __future__ import annotations

import re
from itertools import islice
from urllib.parse import urlsplit

import trafilatura
from lxml.html import HtmlElement

from crawler.charsets import decode_html
from storage.template import Surface

_INVISIBLE = frozenset({"head", "script", "style", "noscript", "template", "svg", "iframe"})
_BLOCK = re.compile(r"p|li|d[dt]|div|t[dh]|tr|article|section|header|footer|aside|h[1-6]|figure")
_CONTAINER = re.compile(r"div|section|aside|ul|ol|li|figure|header|footer|article|span|p|form")
# Text only screen readers get (a "Skip to article" link): the widespread utility classes.
_SCREEN_READER = re.compile(r"(?<![\w-])(?:sr-only|visually-?hidden|screen-reader-text)(?![\w-])")
_CONTROLS = frozenset({"form", "button", "input", "select", "textarea"})
_INLINE = frozenset({"span", "a", "em", "strong", "b", "i", "small", "sup", "sub", "abbr", "cite"})
STANDALONE_SHARE = 2 / 3
"""A link stands alone when its text is this much of its block's (as crawler.extract)."""
BOX_MAX_CHARS = 600
"""A box grows into its container only while that holds this few characters: a teaser card
with its label and summary, never the article body around it."""
WIDGET_MAX_CHARS = 40
"""A link (with its inline wrapper) this short inside a sentence is a widget: a ticker, a tag."""
BOX_GROWTH = 2.5
"""... and only while the container holds at most this many times the card's text (plus a
label's worth): a card's parent that is mostly other text is not the card."""


def decode_stored(html: bytes) -> str:
    """Stored HTML as text, decoded as a fetch decodes it, less the HTTP header's charset
    (which is not stored: a page that declared its charset only there is read by its bytes)."""
    return decode_html(html).text


def page_surface(html: bytes, url: str) -> Surface:
    """The visible text, boxes and link words of stored HTML fetched from `url`; empty for
    what does not parse."""
    try:
        tree = trafilatura.load_html(decode_stored(html))
    except Exception:  # lxml raises many types on hostile input; no surface, no template effect
        return Surface("")
    if tree is None:
        return Surface("")
    cache: dict[HtmlElement, str] = {}
    return Surface(
        _visible_text(tree),
        tuple(_text(card, cache) for card in _boxes(tree, urlsplit(url).hostname, cache)),
        tuple(_widgets(tree, cache)),
    )


def page_lines(html: bytes, longest: int) -> list[str]:
    """The texts of the blocks of stored HTML that are at most `longest` characters long, in
    document order: where a page that lost its article says why (storage.removals)."""
    try:
        tree = trafilatura.load_html(decode_stored(html))
    except Exception:  # as in page_surface
        return []
    if tree is None:
        return []
    cache: dict[HtmlElement, str] = {}
    lines = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or not _BLOCK.fullmatch(element.tag):
            continue
        if not any(_hidden(e) for e in (element, *element.iterancestors())):
            text = _text(element, cache)
            if text and len(text) <= longest:
                lines.append(text)
    return lines


def _hidden(element: HtmlElement) -> bool:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.lower() in _INVISIBLE or element.get("hidden") is not None


def _visible_text(tree: HtmlElement) -> str:
    parts: list[str] = []

    def walk(element: HtmlElement) -> None:
        if not isinstance(element.tag, str) or _hidden(element):
            return
        if element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(tree)
    return " ".join(" ".join(parts).split())


def _text(element: HtmlElement, cache: dict[HtmlElement, str]) -> str:
    if element not in cache:
        cache[element] = " ".join(element.text_content().split())
    return cache[element]


def _boxes(tree: HtmlElement, host: str | None, cache: dict[HtmlElement, str]) -> list[HtmlElement]:
    """The cards of a page's boxes, once each: around each standalone link (in-page ones too,
    "Back to top"), each form control (a newsletter sign-up, a notification prompt), each
    <aside>, and each quotation linking to another site (an embedded post)."""
    cards: dict[HtmlElement, None] = {}
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        start: HtmlElement | None = None
        if (
            tag == "aside"
            or (tag == "blockquote" and _links_elsewhere(element, host))
            or _SCREEN_READER.search(element.get("class") or "")
            or element.get("aria-hidden") == "true"
        ):
            start = element
        elif tag in _CONTROLS:
            start = _block_of(element)
        elif tag == "a" and element.get("href"):
            label = " ".join(element.text_content().split())
            block = _block_of(element)
            if (
                label
                and block is not None
                and len(label) >= STANDALONE_SHARE * len(_text(block, cache))
            ):
                start = _with_summary(block, cache)
        if start is not None and len(_text(start, cache)) <= BOX_MAX_CHARS:
            cards[_grown(start, cache)] = None
    return [card for card in cards if _text(card, cache)]


def _with_summary(block: HtmlElement, cache: dict[HtmlElement, str]) -> HtmlElement:
    """A headline link's block, or the card holding it and the summary after it (as
    crawler.extract counts teasers): a card holds little more than headline and summary."""
    siblings = islice((e for e in block.itersiblings() if isinstance(e.tag, str)), 2)
    summary = next((_text(e, cache) for e in siblings if len(_text(e, cache)) >= 40), "")
    card = block.getparent()
    if not summary or card is None:
        return block
    if len(_text(card, cache)) > 1.5 * (len(_text(block, cache)) + len(summary)) + 40:
        return block  # the paragraph after a "Related:" link in an article's body
    return card


def _block_of(element: HtmlElement) -> HtmlElement | None:
    return next((e for e in element.iterancestors() if _BLOCK.fullmatch(str(e.tag))), None)


def _grown(card: HtmlElement, cache: dict[HtmlElement, str]) -> HtmlElement:
    """The card widened to the small container that holds its label and summary."""
    for parent in card.iterancestors():
        size = len(_text(parent, cache))
        if not _CONTAINER.fullmatch(str(parent.tag)) or size > BOX_MAX_CHARS:
            break
        if size > BOX_GROWTH * len(_text(card, cache)) + 40:
            break
        card = parent
    return card


def _links_elsewhere(quote: HtmlElement, host: str | None) -> bool:
    """A quotation that links to another site: an embedded post and its permalink."""
    for anchor in quote.iter("a"):
        try:
            target = urlsplit((anchor.get("href") or "").strip()).hostname
        except ValueError:
            continue
        if target and target != host:
            return True
    return False


def _widgets(tree: HtmlElement, cache: dict[HtmlElement, str]) -> list[str]:
    """Short link texts inside sentences, with the inline element wrapping each (a ticker's
    "AMZN 3.60%"): words that change with what the site links to, not with the article."""
    words: dict[str, None] = {}
    for anchor in tree.iter("a"):
        widget = anchor
        for parent in anchor.iterancestors():
            if parent.tag not in _INLINE or len(_text(parent, cache)) > WIDGET_MAX_CHARS:
                break
            widget = parent
        text = _text(widget, cache)
        if text and len(text) <= WIDGET_MAX_CHARS:
            words[text] = None
    return list(words)
