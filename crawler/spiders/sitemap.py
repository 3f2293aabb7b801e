"""Sitemap spider: sitemap indexes, gzip sitemaps and Google News sitemaps (whose title, date
and language are kept as hints)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.items import PageFailed
from crawler.sitemaps import parse_sitemap
from crawler.spiders.base import Item, SourceSpider
from crawler.urls import canonicalize, is_http_url

# A sitemap index may point at other indexes; deeper nesting is a loop or an error.
MAX_DEPTH = 3


class SitemapSpider(SourceSpider):
    name = "sitemap"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.discovery_request(self.source.url, self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[Item | scrapy.Request]:
        now = datetime.now(UTC)
        if failed := self.failed_response(response, response.url, now):
            yield failed
            return
        sitemap = parse_sitemap(self.body_of(response), response.url)
        if sitemap is None:
            yield PageFailed(
                self.source.name,
                response.url,
                now,
                response.status,
                "not a sitemap (no <urlset> or <sitemapindex>, or larger than max_page_bytes)",
            )
            return
        if sitemap.kind == "sitemapindex":
            depth = response.meta.get("sitemap_depth", 0) + 1
            seen: set[str] = response.meta.get("sitemap_seen", set()) | {canonicalize(response.url)}
            for entry in sitemap.entries:
                child = canonicalize(entry.url) if is_http_url(entry.url) else None
                if child is None or child in seen or depth > MAX_DEPTH:
                    continue
                request = self.discovery_request(child, self.parse_sitemap)
                request.meta.update(sitemap_depth=depth, sitemap_seen=seen)
                yield request
            return
        for entry in sitemap.entries:
            hints: dict[str, Any] = {"via": "sitemap"}
            if entry.title:
                hints["title"] = entry.title
            if entry.published or entry.lastmod:
                hints["published"] = (entry.published or entry.lastmod).isoformat()  # type: ignore[union-attr]
            if entry.language:
                hints["language"] = entry.language
            yield self.article_request(entry.url, hints)
