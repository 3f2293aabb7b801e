"""The throttle: Crawl-delay floors (timed in test_crawl.py) and 304s treated as healthy."""

from __future__ import annotations

from scrapy.core.downloader import Slot
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from crawler.config import CrawlConfig
from crawler.politeness import PoliteThrottle
from crawler.settings import scrapy_settings


def _slot_after(status: int) -> float:
    crawler = get_crawler(settings_dict=scrapy_settings(CrawlConfig(delay=0)))
    throttle = PoliteThrottle(crawler)
    throttle.mindelay, throttle.maxdelay = 0.0, 60.0  # what spider_opened reads from settings
    slot = Slot(concurrency=8, delay=1.0, jitter=0)
    request = Request("http://127.0.0.1/a")
    throttle._adjust_delay(slot, 0.01, Response(request.url, status=status, request=request))
    return slot.delay


def test_a_304_lowers_the_delay_as_a_200_does_and_an_error_does_not() -> None:
    assert _slot_after(200) < 1.0
    assert _slot_after(304) == _slot_after(200)  # a recrawl of 304s keeps its pace
    assert _slot_after(500) == 1.0
