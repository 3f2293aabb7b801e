"""Feed spider: every entry of an RSS, Atom or JSON feed is an article.

A source whose URL answers an HTML page that links a feed (`<link rel="alternate"
type="application/rss+xml" href>`: a blog's home, a "feeds" page) follows that feed, once, and
says so in the run's notes; the configured URL stays the source's, so the user can fix it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.dates import dropped_dates, dropped_note
from crawler.feeds import FeedEntry, parse_feed
from crawler.items import PageFailed
from crawler.spiders.base import Item, SourceSpider

logger = logging.getLogger(__name__)
# In a followed feed's request: the page that linked it (a feed is followed from a page once).
LINKED_FROM = "feed_linked_from"


class FeedSpider(SourceSpider):
    name = "feed"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.discovery_request(self.source.url, self.parse_feed)

    def parse_feed(self, response: Response) -> Iterator[Item | scrapy.Request]:
        body = self.discovery_body(response)
        if isinstance(body, PageFailed):
            yield _as_page(response.meta, body)
            return
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        with dropped_dates() as impossible:
            result = parse_feed(body, response.url, content_type)
        for value in impossible:
            self.sink.counts.note(self.source.name, response.url, dropped_note(value))
        page = response.meta.get(LINKED_FROM)
        if result.alternate and page is None:
            note = f"not a feed: followed the feed the page links to, {result.alternate}"
            self.sink.counts.note(self.source.name, response.url, note)
            logger.info("%s: %s", response.url, note)
            request = self.discovery_request(result.alternate, self.parse_feed)
            request.meta[LINKED_FROM] = response.url
            yield request
            return
        if result.error:
            yield _as_page(response.meta, self.failed(response, result.error))
            return
        yield from self.article_requests((entry.url, _hints(entry)) for entry in result.entries)

    def on_error(self, failure: Failure) -> Iterator[Item]:
        request = getattr(failure, "request", None)
        meta = request.meta if request is not None else {}
        for item in super().on_error(failure):
            yield _as_page(meta, item) if isinstance(item, PageFailed) else item


def _as_page(meta: dict[str, Any], failed: PageFailed) -> PageFailed:
    """A followed feed's failure is recorded as the configured page's: that is the URL to fix."""
    page = meta.get(LINKED_FROM)
    if page is None:
        return failed
    reason = f"not a feed; the feed it links to, {failed.url}, failed: {failed.reason}"
    return PageFailed(failed.source, page, failed.fetched_at, failed.status, reason, True)


def _hints(entry: FeedEntry) -> dict[str, Any]:
    """What the feed says about an article, kept beside its versions."""
    hints: dict[str, Any] = {"via": "feed"}
    if entry.title:
        hints["title"] = entry.title
    if entry.published:
        hints["published"] = entry.published.isoformat()
    return hints
