"""Scrapy settings derived from the [crawl] table: politeness first, then speed."""

from __future__ import annotations

from typing import Any

from scrapy.settings import default_settings

from crawler.addresses import ALLOW_PRIVATE
from crawler.config import CrawlConfig

_LEFT_OUT = {
    "EXTENSIONS_BASE": {
        "scrapy.extensions.throttle.AutoThrottle",  # crawler.politeness.PoliteThrottle instead
        # What labscope does itself or never asks of Scrapy: progress (LogStats), feed export,
        # JOBDIR state, memory debugging, CLOSESPIDER_* limits, remote control.
        "scrapy.extensions.logstats.LogStats",
        "scrapy.extensions.feedexport.FeedExporter",
        "scrapy.extensions.spiderstate.SpiderState",
        "scrapy.extensions.memdebug.MemoryDebugger",
        "scrapy.extensions.closespider.CloseSpider",
        "scrapy.extensions.remote_control.RemoteControl",
    },
    # Layers every request or response passes through (an eighth of a 304 recrawl's CPU) for
    # what labscope never has: allowed_domains, HTTP auth, a depth limit, byte counts, a
    # Referer to send, cookies, an HTTP cache; spiders/base.py skips over-long article URLs.
    "SPIDER_MIDDLEWARES_BASE": {
        "scrapy.spidermiddlewares.referer.RefererMiddleware",
        "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware",
        "scrapy.spidermiddlewares.depth.DepthMiddleware",
        "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware",
    },
    "DOWNLOADER_MIDDLEWARES_BASE": {
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware",  # StrictRobotsTxt instead
        "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware",
        "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware",
        "scrapy.downloadermiddlewares.stats.DownloaderStats",
        "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
        "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware",
        "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware",  # crawler.refresh instead
    },
}
"""Scrapy's components labscope replaces or does without. They are left out of Scrapy's own
lists rather than set to None in ours, because Scrapy imports every component it is given, None
or not: 0.15 s of CPU a run (remote control alone imports aiohttp)."""


def _base(name: str) -> dict[str, int]:
    """Scrapy's default list `name`, as the installed Scrapy has it, without what we leave out."""
    default: dict[str, int] = getattr(default_settings, name)
    return {path: order for path, order in default.items() if path not in _LEFT_OUT[name]}


def scrapy_settings(crawl: CrawlConfig, log_level: str = "ERROR") -> dict[str, Any]:
    return {
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "DOWNLOAD_DELAY": crawl.delay,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": min(crawl.concurrency, 8),
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": crawl.delay,
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "RETRY_TIMES": 2,
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "DNS_TIMEOUT": min(crawl.timeout, 20.0),
        "LOG_LEVEL": log_level,
        ALLOW_PRIVATE: crawl.allow_private,
        "EXTENSIONS_BASE": _base("EXTENSIONS_BASE"),
        "EXTENSIONS": {"crawler.politeness.PoliteThrottle": 0},
        "SPIDER_MIDDLEWARES_BASE": _base("SPIDER_MIDDLEWARES_BASE"),
        # Scrapy imports this class by name; it finds its sink with crawler.claims.crawler_sink.
        "ITEM_PIPELINES": {"crawler.pipelines.StorePipeline": 100},
        "DOWNLOADER_MIDDLEWARES_BASE": _base("DOWNLOADER_MIDDLEWARES_BASE"),
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.addresses.PrivateAddresses": 50,  # before robots.txt is fetched for a host
            "crawler.politeness.StrictRobotsTxt": 100,
            "crawler.politeness.RetryAfter": 560,  # sees a 429 before RetryMiddleware (550)
            "crawler.refresh.StubRefresh": 580,  # where Scrapy's MetaRefreshMiddleware was
            "crawler.redirect_schemes.OnlyHttpRedirects": 610,  # before RedirectMiddleware (600)
        },
        # A development check that parses a callback's source with `ast`; our callbacks are
        # bound methods, which its cache never keeps, so it re-parsed on every response.
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        # Responses held while their pages wait for extraction (Scrapy's default is 5 MB, about
        # 30 news pages, each also held decoded and on its way to a worker). 2 MB keeps the two
        # workers just as busy, and the crawl process 17 MB smaller (bench.crawl).
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE": 2_000_000,
        # Scrapy starts CONCURRENT_ITEMS asyncio tasks for every response's output, used or not
        # (scrapy/scrapy#5182): 101 tasks for an article page that yields one item.
        "CONCURRENT_ITEMS": 1,
    }
