"""Scrapy settings derived from the [crawl] table: politeness first, then speed."""

from __future__ import annotations

from typing import Any

from crawler.config import CrawlConfig


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
        "EXTENSIONS": {
            "scrapy.extensions.throttle.AutoThrottle": None,
            "crawler.politeness.PoliteThrottle": 0,
            # Scrapy's extensions for what labscope does itself or never asks of Scrapy: progress
            # (LogStats), feed export, JOBDIR state, memory debugging, CLOSESPIDER_* limits, remote
            # control (aiohttp, imported inside every run). Off, each run starts 3% cheaper.
            "scrapy.extensions.logstats.LogStats": None,
            "scrapy.extensions.feedexport.FeedExporter": None,
            "scrapy.extensions.spiderstate.SpiderState": None,
            "scrapy.extensions.memdebug.MemoryDebugger": None,
            "scrapy.extensions.closespider.CloseSpider": None,
            "scrapy.extensions.remote_control.RemoteControl": None,
        },
        # Scrapy's middlewares labscope has no use for, each a layer every request or response
        # passes through (an eighth of a 304 recrawl's CPU): no allowed_domains, HTTP auth, depth
        # limit, byte counts or Referer to send, no cookies or HTTP cache; spiders/base.py skips
        # over-long article URLs.
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
            "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
            "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
        },
        "ITEM_PIPELINES": {"crawler.pipelines.StorePipeline": 100},
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawler.politeness.StrictRobotsTxt": 100,
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
            "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
            "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
            "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
            "crawler.politeness.RetryAfter": 560,  # sees a 429 before RetryMiddleware (550)
        },
        # A development check that parses a callback's source with `ast`; our callbacks are
        # bound methods, which its cache never keeps, so it re-parsed on every response.
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        # Responses held while their pages wait for extraction (Scrapy's default is 5 MB, about
        # 30 news pages, each also held decoded and on its way to a worker). 2 MB keeps the two
        # workers just as busy, and the crawl process 17 MB smaller (bench/crawl_bench.py).
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE": 2_000_000,
        # Scrapy starts CONCURRENT_ITEMS asyncio tasks for every response's output, used or not
        # (scrapy/scrapy#5182): 101 tasks for an article page that yields one item.
        "CONCURRENT_ITEMS": 1,
    }
