"""Feed spider: every entry of an RSS, Atom or JSON feed is an article."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.feeds import FeedEntry, parse_feed
from crawler.items import PageFailed
from crawler.spiders.base import Item, SourceSpider


class FeedSpider(SourceSpider):
    name = "feed"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.discovery_request(self.source.url, self.parse_feed)

    def parse_feed(self, response: Response) -> Iterator[Item | scrapy.Request]:
        if failed := self.failed_response(response):
            yield failed
            return
        body = self.discovery_body(response)
        if isinstance(body, PageFailed):
            yield body
            return
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        result = parse_feed(body, response.url, content_type)
        if result.error:
            yield self.failed(response, result.error)
            return
        yield from self.article_requests((entry.url, _hints(entry)) for entry in result.entries)


def _hints(entry: FeedEntry) -> dict[str, Any]:
    """What the feed says about an article, kept beside its versions."""
    hints: dict[str, Any] = {"via": "feed"}
    if entry.title:
        hints["title"] = entry.title
    if entry.published:
        hints["published"] = entry.published.isoformat()
    return hints
