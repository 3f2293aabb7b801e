"""Baselines (c), (c') and (d) of bench.crawl: a Scrapy spider that fetches a sitemap's URLs,
either plainly (c) or asking each article "If-None-Match: *" (c'), which the benchmark's server
answers with a 304 as it does labscope's conditional recrawl; or (d) passing each page to plain
trafilatura in its callback, the crawler one writes without labscope.

    python -m bench.bare_fetch SITEMAP_URL [--concurrency 16] [--not-modified | --extract]

Prints JSON: pages fetched, their statuses, the pages trafilatura found text in (--extract), and
the seconds from the spider's opening to its closing (Scrapy's start-up left out). Without
--extract it parses nothing and stores nothing, so its pages/s is what the network stack of a
Scrapy crawl can do on this machine: (c) the ceiling for a crawl that gets pages, (c') for a
recrawl answered by 304s. With it, (d) is the first crawl a plain Scrapy+trafilatura spider
makes, in one process, storing nothing.

Its settings are those crawler/settings.py derives from the benchmark's [crawl] table (delay 0,
concurrency 16, timeout 30), written out here because the benchmark may rely only on labscope's
CLI and database, not on its internals: keep them in step when labscope's change. labscope's
AutoThrottle subclass adds robots.txt Crawl-delay floors and takes a 304 for a healthy answer;
the second is all that matters here, and `HealthyNotModified` does the same.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response, TextResponse
from scrapy.settings import default_settings

from bench.crawl.baselines import plain_extract

_LOC = re.compile(rb"<loc>\s*([^<\s]+)\s*</loc>")


class HealthyNotModified(AutoThrottle):
    """Stock AutoThrottle lets only a 200 lower the delay: a run of 304s would slow to one
    request per latency. labscope's throttle takes a 304 for the healthy answer it is."""

    def _adjust_delay(self, slot: Any, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)


def settings(concurrency: int) -> dict[str, Any]:
    return {
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_DELAY": 0.0,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": min(concurrency, 8),
        "DOWNLOAD_TIMEOUT": 30.0,
        "DOWNLOAD_MAXSIZE": 10_000_000,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 0.0,
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "RETRY_TIMES": 2,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "ERROR",
        "CONCURRENT_ITEMS": 1,  # as labscope's: Scrapy's 100 starts 100 tasks per response
        # As labscope's: Scrapy's components it does without are left out of Scrapy's own
        # lists, so that they are not even imported; AutoThrottle is HealthyNotModified here.
        "EXTENSIONS_BASE": _without(
            default_settings.EXTENSIONS_BASE,
            "throttle.AutoThrottle",
            "logstats.LogStats",
            "feedexport.FeedExporter",
            "spiderstate.SpiderState",
            "memdebug.MemoryDebugger",
            "closespider.CloseSpider",
            "remote_control.RemoteControl",
        ),
        "EXTENSIONS": {f"{__name__}.HealthyNotModified": 0},
        "SPIDER_MIDDLEWARES_BASE": _without(
            default_settings.SPIDER_MIDDLEWARES_BASE,
            "referer.RefererMiddleware",
            "urllength.UrlLengthMiddleware",
            "depth.DepthMiddleware",
            "metacopy.MetaCopyDetectionMiddleware",
        ),
        "DOWNLOADER_MIDDLEWARES_BASE": _without(
            default_settings.DOWNLOADER_MIDDLEWARES_BASE,
            "offsite.OffsiteMiddleware",
            "httpauth.HttpAuthMiddleware",
            "stats.DownloaderStats",
            "cookies.CookiesMiddleware",
            "httpcache.HttpCacheMiddleware",
        ),
    }


def _without(components: dict[str, int], *left_out: str) -> dict[str, int]:
    """`components` without those whose path ends with one of `left_out`."""
    return {path: order for path, order in components.items() if not path.endswith(left_out)}


class BareSpider(scrapy.Spider):
    """Fetch the sitemap (and any sitemaps it indexes), then every URL, and keep only counts."""

    name = "bare"

    handle_httpstatus_list: ClassVar[list[int]] = [304]

    def __init__(
        self, sitemap: str, not_modified: bool = False, extract: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.sitemap = sitemap
        self.headers = {"If-None-Match": "*"} if not_modified else {}
        self.extract = extract
        self.extracted = 0
        self.statuses: Counter[int] = Counter()
        self.opened = self.closed = 0.0

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> BareSpider:
        spider: BareSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_open, signal=signals.spider_opened)
        crawler.signals.connect(spider.on_close, signal=signals.spider_closed)
        return spider

    def on_open(self) -> None:
        self.opened = time.perf_counter()

    def on_close(self) -> None:
        self.closed = time.perf_counter()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.sitemap, callback=self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        for url in _LOC.findall(response.body):
            if url.endswith(b".xml"):
                yield scrapy.Request(url.decode(), callback=self.parse_sitemap)
            else:
                yield scrapy.Request(url.decode(), headers=self.headers, callback=self.fetched)

    def fetched(self, response: Response) -> None:
        self.statuses[response.status] += 1
        if self.extract and isinstance(response, TextResponse):
            self.extracted += bool(plain_extract(response.text))


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bare_fetch", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("sitemap")
    parser.add_argument("--concurrency", type=int, default=16)
    ask = parser.add_mutually_exclusive_group()
    ask.add_argument("--not-modified", action="store_true", help="ask for 304s (c')")
    ask.add_argument("--extract", action="store_true", help="plain trafilatura on each page (d)")
    args = parser.parse_args()
    process = CrawlerProcess(settings(args.concurrency))
    crawler = process.create_crawler(BareSpider)
    process.crawl(
        crawler, sitemap=args.sitemap, not_modified=args.not_modified, extract=args.extract
    )
    process.start()
    spider = crawler.spider
    assert isinstance(spider, BareSpider)
    pages = sum(spider.statuses.values())
    seconds = spider.closed - spider.opened
    statuses = dict(spider.statuses)
    found = {"pages": pages, "statuses": statuses, "extracted": spider.extracted}
    json.dump({**found, "seconds": seconds}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
