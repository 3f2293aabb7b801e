"""A cheap fingerprint of what an extraction can read from a page: the recrawl's fast path.

Real pages change on every visit (script tokens, ad slots, CSRF values, attribute churn) while
their article does not, and trafilatura costs about 30 ms of CPU a page. When a page's bytes
differ from the last fetch but this fingerprint does not, the extraction would read the same
text, title, dates and authors: the fetch is recorded as a check (like a 304) and trafilatura,
the metadata and the entities are skipped.

Correctness first: it must change whenever the stored text would. So it hashes every text node
of the document outside scripts, styles, ``<noscript>`` and ``<template>`` (comments and
processing instructions are dropped by the parser), in document order, with a boundary at
every element edge (so merging two paragraphs, or ``<b>foo</b>bar`` becoming ``foo bar``,
changes it) and whitespace runs made one space (so re-indented markup does not). Whitespace
between two element edges only (indentation, an empty ad slot ``<div>``) is no text at all.
It also hashes what the metadata readers (crawler.page_metadata, crawler.extraction.fields,
htmldate) take from ``<head>`` and attributes: ``<title>``, the JSON-LD scripts' text, every
``<meta>`` content but those of tokens that never feed an extraction (``csrf-token``...), the
canonical link, ``<html lang>``, and the date attributes of ``<time>`` and ``<abbr>``. Then
the URL the page was read from and the discovery hints, which fill in a missing title or date.

Attributes are otherwise left out, and with them a change that only attributes make: a class
renamed so that trafilatura keeps or drops a box, a paragraph hidden with ``style``. These are
template changes, not edits: the text they show or hide is the same text, and the next edit
of the article's text makes the version with the template as it is then.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from lxml import etree

_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
_SKIPPED = ("script", "style", "noscript", "template")
_EDGE = "\x00"  # an element's start or end; never in parsed text (the parser drops NULs)
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")  # a serialised tag, attributes and all
_SPACES = re.compile(r"\s+")
_EDGES = re.compile(f"{_EDGE}(?: ?{_EDGE})+")  # edges with at most whitespace between them
_TOKEN_META = re.compile(r"csrf|xsrf|token|nonce|request[-_]?id|trace", re.IGNORECASE)
_VALUES = etree.XPath(
    "//script[translate(@type, 'LDJSON', 'ldjson') = 'application/ld+json']/text()"
    " | //link[contains(translate(@rel, 'CANONICAL', 'canonical'), 'canonical')]/@href"
    " | //time/@datetime | //time/@pubdate | //time/@title"
    " | //abbr/@title | //abbr/@data-utime"
)
VERSION = "v1"
"""Part of every fingerprint: a change to what is hashed makes every stored one differ (one
full extraction per page on the next recrawl), never one that matches by mistake."""


def visible_fingerprint(html: str, url: str, hints: Mapping[str, Any]) -> str | None:
    """The SHA-256 of what extracting `html` read from `url` depends on, or None when lxml
    cannot parse it (the full extraction then says why).

    lxml does the walking (the XPath, stripping, serialising) and one regular expression turns
    every tag into an edge: a walk in Python took twice as long (5.4 ms against 2.9 ms a page
    on the news corpus, where the extraction takes 29 ms)."""
    try:
        root = _parse(html)
    except (etree.ParserError, ValueError):
        return None
    if root is None:
        return None
    parts: list[str] = [VERSION, url, json.dumps(hints, sort_keys=True, default=str)]
    parts.append(root.get("lang") or root.get("xml:lang") or "")
    parts.extend(str(value) for value in _VALUES(root))
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        key = key or meta.get("http-equiv") or ""
        if not _TOKEN_META.search(key):
            parts.append(f"{key}={meta.get('content') or ''}")
    etree.strip_elements(root, *_SKIPPED, with_tail=False)
    document = _TAG.sub(_EDGE, etree.tostring(root, method="html", encoding="unicode"))
    parts.append(_EDGES.sub(_EDGE, _SPACES.sub(" ", document)))
    return hashlib.sha256(_EDGE.join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _parse(html: str) -> Any:
    try:
        return etree.fromstring(html, _PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported"
        return etree.fromstring(html.encode("utf-8", "surrogatepass"), _PARSER)
