"""Sitemap spider: sitemap indexes, gzip sitemaps, text sitemaps and Google News sitemaps (whose
title, date and language are kept as hints)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.dates import dropped_dates, dropped_note
from crawler.items import PageFailed
from crawler.sitemaps import SitemapEntry, parse_sitemap
from crawler.spiders.base import Item, SourceSpider
from crawler.urls import canonicalize, is_http_url

# A sitemap index may point at other indexes; deeper nesting is a loop or an error.
MAX_DEPTH = 3


class SitemapSpider(SourceSpider):
    name = "sitemap"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # Every sitemap asked for in this run: indexes that list each other (a diamond) would
        # otherwise fetch the same sitemap once per path to it, thousands of times for 21 URLs.
        self.requested: set[str] = {canonicalize(self.source.url)}
        yield self.discovery_request(self.source.url, self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[Item | scrapy.Request]:
        body = self.discovery_body(response)
        if isinstance(body, PageFailed):
            yield body
            return
        with dropped_dates() as impossible:
            sitemap = parse_sitemap(body, response.url)
        for value in impossible:
            self.sink.counts.note(self.source.name, response.url, dropped_note(value))
        if sitemap is None:
            yield self.failed(
                response,
                "not a sitemap (no <urlset> or <sitemapindex>, nor lines of URLs)",
            )
            return
        # This sitemap and the indexes that led here: listed again, they are loops, not articles.
        seen: set[str] = response.meta.get("sitemap_seen", set()) | {canonicalize(response.url)}
        if sitemap.kind == "sitemapindex":
            depth = response.meta.get("sitemap_depth", 0) + 1
            for entry in sitemap.entries:
                child = canonicalize(entry.url) if is_http_url(entry.url) else None
                if child is None or child in seen or child in self.requested or depth > MAX_DEPTH:
                    continue
                self.requested.add(child)
                request = self.discovery_request(child, self.parse_sitemap)
                request.meta.update(sitemap_depth=depth, sitemap_seen=seen)
                yield request
            return
        yield from self.article_requests(
            (entry.url, _hints(entry))
            for entry in sitemap.entries
            if not is_http_url(entry.url) or canonicalize(entry.url) not in seen
        )


def _hints(entry: SitemapEntry) -> dict[str, Any]:
    """What a (Google News) sitemap says about an article, kept beside its versions."""
    hints: dict[str, Any] = {"via": "sitemap"}
    if entry.title:
        hints["title"] = entry.title
    if published := entry.published or entry.lastmod:
        hints["published"] = published.isoformat()
    if entry.language:
        hints["language"] = entry.language
    return hints
