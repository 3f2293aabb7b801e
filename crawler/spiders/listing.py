"""Listing spider: links on an HTML page that match the source's `follow` pattern are articles."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

from crawler.spiders.base import Item, SourceSpider

_NO_LINKS = {
    "plain": 'no link matches follow: check the pattern, or set render = "browser" if the '
    "page's links are built by JavaScript",
    "browser": "no link matches follow, even in the page the browser built: check the pattern",
}


class ListingSpider(SourceSpider):
    name = "listing"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.discovery_request(self.source.url, self.parse_listing)

    def parse_listing(self, response: Response) -> Iterator[Item | scrapy.Request]:
        if failed := self.failed_response(response):
            yield failed
            return
        if not isinstance(response, TextResponse):
            yield self.failed(response, "listing page is not HTML")
            return
        assert self.source.follow is not None  # config validation requires it for listings
        extractor = LinkExtractor(allow=self.source.follow.pattern, unique=True)
        links = extractor.extract_links(response)
        if not links:  # a typo in follow, or a page whose links a script builds
            yield self.failed(response, _NO_LINKS[self.source.render])
            return
        yield from self.article_requests(
            (link.url, {"via": "listing", "anchor": " ".join(link.text.split())[:300]})
            for link in links
        )
