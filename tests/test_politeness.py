"""The throttle: Crawl-delay floors (timed in test_crawl.py) and 304s treated as healthy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scrapy.core.downloader import Slot
from scrapy.http import Request, Response
from scrapy.utils.conf import build_component_list
from scrapy.utils.test import get_crawler

from crawler.config import CrawlConfig
from crawler.politeness import PoliteThrottle
from crawler.settings import scrapy_settings

ROOT = Path(__file__).resolve().parent.parent


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


def test_scrapys_throttle_and_robots_txt_are_replaced_not_doubled() -> None:
    settings = get_crawler(settings_dict=scrapy_settings(CrawlConfig())).settings
    extensions = build_component_list(settings.getwithbase("EXTENSIONS"))
    middlewares = build_component_list(settings.getwithbase("DOWNLOADER_MIDDLEWARES"))
    assert "crawler.politeness.PoliteThrottle" in extensions
    assert "crawler.politeness.StrictRobotsTxt" in middlewares
    assert "scrapy.extensions.throttle.AutoThrottle" not in extensions
    assert "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware" not in middlewares
    # What we keep of Scrapy's own, from the installed Scrapy's lists.
    assert "scrapy.downloadermiddlewares.retry.RetryMiddleware" in middlewares
    assert "scrapy.downloadermiddlewares.redirect.RedirectMiddleware" in middlewares
    assert "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware" in middlewares


def test_components_we_do_without_are_not_even_imported() -> None:
    """Scrapy imports every component it is given, even one set to None."""
    resolve = (
        "import sys; from scrapy.utils.conf import build_component_list; "
        "from scrapy.utils.test import get_crawler; from crawler.config import CrawlConfig; "
        "from crawler.settings import scrapy_settings; "
        "settings = get_crawler(settings_dict=scrapy_settings(CrawlConfig())).settings; "
        "[build_component_list(settings.getwithbase(name)) for name in "
        "('EXTENSIONS', 'SPIDER_MIDDLEWARES', 'DOWNLOADER_MIDDLEWARES')]; "
        "print(sorted(m for m in ('aiohttp', 'scrapy.extensions.feedexport') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", resolve], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout.strip() == "[]"
