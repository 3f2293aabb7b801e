"""Sitemap parsing, including Google News sitemaps whose news:title, news:publication_date and
news:language are kept as hints (Scrapy's own Sitemap class drops nested elements), and text
sitemaps: one URL a line, as sitemaps.org allows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import urljoin

from lxml import etree

from crawler.dates import iso_datetime

_NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
_HTTP_LINE = re.compile(r"https?://[^/?#\s]", re.IGNORECASE)


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: datetime | None = None
    title: str | None = None
    published: datetime | None = None
    language: str | None = None


@dataclass(frozen=True)
class Sitemap:
    kind: Literal["urlset", "sitemapindex"]
    entries: list[SitemapEntry]


def parse_sitemap(body: bytes, url: str) -> Sitemap | None:
    """The sitemap or sitemap index in `body`, or None when it is not one.

    The parser never resolves entities nor touches the network, so XML bombs and external
    entities are inert.
    """
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start and not start.startswith(b"<"):
        return _text_sitemap(start, url)
    parser = etree.XMLParser(
        recover=True, remove_comments=True, resolve_entities=False, no_network=True
    )
    try:
        root = etree.fromstring(start, parser=parser)
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        return None
    entries = []
    for element in root:
        if not isinstance(element.tag, str):
            continue
        fields = {
            etree.QName(child).localname: child for child in element if isinstance(child.tag, str)
        }
        loc = _text(fields.get("loc"))
        if not loc:
            continue
        news = fields.get("news")
        entries.append(
            SitemapEntry(
                url=urljoin(url, loc),
                lastmod=iso_datetime(_text(fields.get("lastmod"))),
                title=_text(news.find(f"{_NEWS}title")) if news is not None else None,
                published=iso_datetime(_text(news.find(f"{_NEWS}publication_date")))
                if news is not None
                else None,
                language=_text(news.find(f"{_NEWS}publication/{_NEWS}language"))
                if news is not None
                else None,
            )
        )
    return Sitemap("urlset" if kind == "urlset" else "sitemapindex", entries)


def _text_sitemap(body: bytes, url: str) -> Sitemap | None:
    """A text sitemap (UTF-8, one URL a line); blank lines and lines that are no http(s) URL are
    skipped. None when no line is one: the body is something else (an error page, a robots.txt)."""
    entries = []
    for raw in body.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if _HTTP_LINE.match(line) and not any(char.isspace() for char in line):
            entries.append(SitemapEntry(url=urljoin(url, line)))
    return Sitemap("urlset", entries) if entries else None


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None
