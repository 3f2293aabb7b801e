"""Page spider: the source's URL is itself the article."""

from __future__ import annotations

from collections.abc import AsyncIterator

import scrapy

from crawler.items import PageSkipped
from crawler.spiders.base import SourceSpider


class PageSpider(SourceSpider):
    name = "page"

    async def start(self) -> AsyncIterator[scrapy.Request | PageSkipped]:
        for request in self.article_requests([(self.source.url, {"via": "page"})]):
            yield request
