"""Guessing spider: `labscope try` without --kind reads the answer first, then hands it to the
spider of the kind it is (crawler.kind_guess), so one fetch serves both the guess and the yield."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.items import PageFailed
from crawler.kind_guess import Guess, guess_kind
from crawler.spiders.base import Item
from crawler.spiders.feed import FeedSpider
from crawler.spiders.listing import ListingSpider
from crawler.spiders.sitemap import SitemapSpider


class GuessSpider(FeedSpider, SitemapSpider, ListingSpider):
    """A feed, sitemap and listing spider at once; its source becomes the guessed kind."""

    name = "guess"
    guess: Guess | None = None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        request = self.discovery_request(self.source.url, self.parse_guess)
        request.meta.update(self.render)  # a page only a browser reads is guessed as built
        yield request

    def parse_guess(self, response: Response) -> Iterator[Item | scrapy.Request]:
        if failed := self.failed_response(response):
            yield failed
            return
        body = self.discovery_body(response)
        if isinstance(body, PageFailed):
            yield body
            return
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        self.guess = guess = guess_kind(body, content_type, response.url)
        if guess.kind is None:
            yield self.failed(response, guess.reason)
            return
        self.source = dataclasses.replace(self.source, kind=guess.kind, follow=guess.follow)
        parse: dict[str, Any] = {
            "feed": self.parse_feed,
            "sitemap": self.parse_sitemap,
            "listing": self.parse_listing,
        }
        yield from parse[guess.kind](response)
