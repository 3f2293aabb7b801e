"""One host's requests spaced by its delay across every worker, not only within each.

Each worker's downloader spaces its own requests to a host (DOWNLOAD_DELAY, the host's
robots.txt Crawl-delay, a Retry-After: crawler.politeness); with N workers the host would see N
times the rate. Before a request leaves for its host, this middleware reserves the host in Redis
for the delay (SET NX PX, crawler.frontier.store), and waits while another worker holds it.
"""

from __future__ import annotations

import asyncio
from typing import Self

from scrapy.crawler import Crawler
from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached

from crawler.frontier.store import Steps, connect


class SharedPoliteness:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.steps = Steps(connect(crawler.settings["REDIS_URL"]))
        self.delay = crawler.settings.getfloat("DOWNLOAD_DELAY")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def host_delay(self, request: Request) -> float:
        """The delay this worker keeps for the request's host: [crawl] delay, raised by the
        host's Crawl-delay or a Retry-After (on the downloader's slot for the host)."""
        assert self.crawler.engine is not None
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        delays = [self.delay, float(downloader.per_slot_settings.get(key, {}).get("delay", 0.0))]
        slot = downloader.slots.get(key)
        if slot is not None:
            delays.append(float(slot.delay))
        return max(delays)

    async def process_request(self, request: Request) -> None:
        delay_ms = int(self.host_delay(request) * 1000)
        if delay_ms <= 0:
            return
        host = urlparse_cached(request).hostname or ""
        while wait_ms := self.steps.reserve(host, delay_ms):
            await asyncio.sleep(wait_ms / 1000)
