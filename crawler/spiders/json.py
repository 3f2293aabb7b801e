"""JSON spider: the links a JMESPath expression picks from a JSON answer (a site's post-list
API) or from the JSON an HTML page carries in a script element (Next.js's __NEXT_DATA__)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.items import PageFailed
from crawler.json_links import JsonLink, read_links
from crawler.spiders.base import Item, SourceSpider


class JsonSpider(SourceSpider):
    name = "json"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.discovery_request(self.source.url, self.parse_json)

    def parse_json(self, response: Response) -> Iterator[Item | scrapy.Request]:
        assert self.source.links is not None  # config validation requires it for json sources
        body = self.discovery_body(response)  # gunzipped within max_page_bytes, as feeds are
        if isinstance(body, PageFailed):
            yield body
            return
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        result = read_links(body, response.url, self.source.links, self.source.script, content_type)
        if result.error:
            yield self.failed(response, result.error)
            return
        yield from self.article_requests((link.url, _hints(link)) for link in result.links)


def _hints(link: JsonLink) -> dict[str, Any]:
    """What the JSON says about an article, kept beside its versions."""
    hints: dict[str, Any] = {"via": "json"}
    if link.title:
        hints["title"] = link.title
    if link.published:
        hints["published"] = link.published.isoformat()
    if link.language:
        hints["language"] = link.language
    return hints
