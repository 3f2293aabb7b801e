"""The element a page marks as its article, and the tree repairs made before extracting.

trafilatura scores a whole page, so a big enough sidebar can win: on NetEase (163.com) its
precision mode keeps the hot-news list and drops the article, and on WeChat (mp.weixin.qq.com)
it keeps the account's chrome. Both pages say where their article is: ``itemprop=articleBody``,
an ``<article>``, or a container named by trafilatura's own vocabulary (``post_text``,
``article-body``, ...) or by a platform (WeChat's ``#js_content``). ``crawler.extract`` extracts
that element alone when it holds clearly more text than trafilatura kept. The markers are data
(MARKED, NAMED), matched on every page: no site is special-cased in code.
"""

from __future__ import annotations

import copy
import re

from lxml import etree
from lxml.html import HtmlElement, document_fromstring
from trafilatura.xpaths import BODY_XPATH

from crawler.extraction.text import visible_text, weight

MARKED = etree.XPath('//*[@itemprop="articleBody" or @id="js_content"]')
"""schema.org microdata on any element; WeChat official accounts' body (mp.weixin.qq.com)."""
NAMED = BODY_XPATH[0]
"""Containers trafilatura's own vocabulary names (post_text, article-body, entry-content...):
read only when the page marks nothing else, as it costs a regular expression per element."""
MAX_ARTICLES = 3
"""More ``<article>`` elements than this are a list's cards, not one article."""
BODY_MIN_WEIGHT = 500
"""Of nested markers the innermost is taken, unless its text weighs less than this (then it is
a box inside the article, a caption or a quote): a short article's container holds much less
than the wrappers around it, which hold the sidebars too (NetEase: 1,080 of 10,263)."""
_HIDING = re.compile(
    r"(?:visibility\s*:\s*hidden|display\s*:\s*none|opacity\s*:\s*0(?![.\d]))\s*;?", re.I
)
_INLINE = frozenset({"span", "b", "i", "em", "strong", "font", "u", "small", "sup", "sub", "a"})
_KEEP_ATTRIBUTES = frozenset({"class", "id", "style", "title", "dir", "lang"})


def marked_body(tree: HtmlElement) -> HtmlElement | None:
    """The element the page marks as its article body, or None when it marks none."""
    found = [e for e in MARKED(tree) if isinstance(e, HtmlElement)]
    articles = list(tree.iter("article"))
    if 0 < len(articles) <= MAX_ARTICLES:
        found.extend(a for a in articles if a not in found)
    body = _innermost(found)
    if body is None:
        body = _innermost([e for e in NAMED(tree) if isinstance(e, HtmlElement)])
    return body


def _innermost(found: list[HtmlElement]) -> HtmlElement | None:
    """The innermost candidate holding BODY_MIN_WEIGHT of text: no other one below it."""
    # text_content() (scripts included) bounds the visible text, and costs far less.
    plausible = [e for e in found if weight(e.text_content()) >= BODY_MIN_WEIGHT]
    inner = [e for e in plausible if weight(visible_text(e)) >= BODY_MIN_WEIGHT]
    return next((e for e in inner if not any(o is not e and _contains(e, o) for o in inner)), None)


def body_document(element: HtmlElement) -> HtmlElement:
    """A new document holding a copy of ``element`` alone, shown: WeChat hides its body with
    ``visibility: hidden`` until its scripts run, and trafilatura drops hidden elements."""
    document = document_fromstring("<html><head></head><body></body></html>")
    body = document.find("body")
    assert body is not None
    shown = copy.deepcopy(element)
    shown.tail = None
    for node in (shown, *shown.iterdescendants()):
        if isinstance(node.tag, str) and (style := node.get("style")) and _HIDING.search(style):
            node.set("style", _HIDING.sub("", style))
    body.append(shown)
    return document


def drop_empty_inline(tree: HtmlElement) -> None:
    """Remove empty inline elements (``<span></span>``, an ad's placeholder), keeping the text
    after them: trafilatura's precision mode drops the rest of the sentence after one, so a
    capture with the placeholder and a capture without it gave different texts. Elements that
    carry data in other attributes (``itemprop``, ``content``) are kept for the metadata."""
    empty = [
        element
        for element in tree.iter(*_INLINE)
        if len(element) == 0
        and not (element.text or "").strip()
        and set(element.attrib) <= _KEEP_ATTRIBUTES
        and element.getparent() is not None
    ]
    for element in empty:
        element.drop_tag()


def _contains(outer: HtmlElement, inner: HtmlElement) -> bool:
    return any(ancestor is outer for ancestor in inner.iterancestors())
