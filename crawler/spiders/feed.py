"""Feed spider: every entry of an RSS, Atom or JSON feed is an article."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.feeds import parse_feed
from crawler.items import PageFailed
from crawler.spiders.base import Item, SourceSpider


class FeedSpider(SourceSpider):
    name = "feed"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.discovery_request(self.source.url, self.parse_feed)

    def parse_feed(self, response: Response) -> Iterator[Item | scrapy.Request]:
        if failed := self.failed_response(response, response.url, datetime.now(UTC)):
            yield failed
            return
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        result = parse_feed(self.body_of(response), response.url, content_type)
        if result.error:
            yield PageFailed(
                self.source.name, response.url, datetime.now(UTC), response.status, result.error
            )
            return
        for entry in result.entries:
            hints: dict[str, Any] = {"via": "feed"}
            if entry.title:
                hints["title"] = entry.title
            if entry.published:
                hints["published"] = entry.published.isoformat()
            yield self.article_request(entry.url, hints)
