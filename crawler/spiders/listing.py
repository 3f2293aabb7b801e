"""Listing spider: links on an HTML page that match the source's `follow` pattern are articles."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

from crawler.items import PageFailed
from crawler.spiders.base import Item, SourceSpider


class ListingSpider(SourceSpider):
    name = "listing"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.discovery_request(self.source.url, self.parse_listing)

    def parse_listing(self, response: Response) -> Iterator[Item | scrapy.Request]:
        now = datetime.now(UTC)
        if failed := self.failed_response(response, response.url, now):
            yield failed
            return
        if not isinstance(response, TextResponse):
            yield PageFailed(
                self.source.name, response.url, now, response.status, "listing page is not HTML"
            )
            return
        assert self.source.follow is not None  # config validation requires it for listings
        extractor = LinkExtractor(allow=self.source.follow.pattern, unique=True)
        for link in extractor.extract_links(response):
            hints = {"via": "listing"}
            if link.text.strip():
                hints["anchor"] = " ".join(link.text.split())[:300]
            yield self.article_request(link.url, hints)
