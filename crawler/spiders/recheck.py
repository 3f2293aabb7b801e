"""Recheck spider: fetches known articles of one source again, to catch edits.

Discovery only finds new articles; edits are seen by fetching known ones again, on the decaying
schedule of [recheck]. The requests are conditional, so an unchanged article costs one 304.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import scrapy

from crawler.items import PageSkipped
from crawler.spiders.base import SourceSpider


class RecheckSpider(SourceSpider):
    name = "recheck"
    capped = False

    def __init__(self, urls: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self) -> AsyncIterator[scrapy.Request | PageSkipped]:
        # A page source's URL is declared an article (crawler.article): it stays "page".
        via = "page" if self.source.kind == "page" else "recheck"
        for request in self.article_requests((url, {"via": via}) for url in self.urls):
            yield request
