"""Politeness beyond Scrapy's defaults.

PoliteThrottle: AutoThrottle that also honours robots.txt Crawl-delay (Scrapy alone ignores it),
and takes a 304 Not Modified for the healthy answer it is.

StrictRobotsTxt: robots.txt read as RFC 9309 says. Scrapy parses whatever body comes back, so a
503 error page, or no answer at all, allowed everything; a server error or an unreachable
robots.txt now means "disallow all" until it answers (4xx still means no rules). The URLs
it then refuses raise RobotsUnavailable: the site is down, so the run failed (not "skipped").

AutoThrottle lowers a slot's delay towards its latency target; a host's Crawl-delay is a floor
it must never go under, so the floor is applied after each adjustment.

RetryAfter: a 429 or 503 with Retry-After slows the whole host to that delay, so Scrapy's retry
(and every other request to the host) waits as asked. Scrapy alone retried at once; a site
asking for more than MAX_CRAWL_DELAY is not retried in this run, and the reason says when to.
"""

from __future__ import annotations

import weakref
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.core.downloader import Slot
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

# A site asking for more than this is treated as asking for this: one page a minute.
MAX_CRAWL_DELAY = 60.0

# Download errors in the words the run summary uses (crawler/spiders/reasons.py shares them).
PLAIN_ERRORS: dict[type[Exception], str] = {
    ResponseDataLossError: "connection lost before the whole body arrived",
    DownloadConnectionRefusedError: "connection refused",
    CannotResolveHostError: "host name not found",
    DownloadTimeoutError: "no answer within the timeout",
}


class RobotsUnavailable(IgnoreRequest):
    """A URL refused because its site's robots.txt gave no rules (5xx, or no answer): unlike
    a robots.txt Disallow, a failure of the site, counted as such."""


class PoliteThrottle(AutoThrottle):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.floors: dict[str, float] = {}
        self.user_agent: str = crawler.settings["USER_AGENT"]
        crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)

    def _robots_parsed(self, robotparser: Any, request: Request) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if not delay:
            return
        host = urlparse_cached(request).hostname or ""
        floor = min(float(delay), MAX_CRAWL_DELAY)
        self.floors[host] = floor
        assert self.crawler.engine is not None
        downloader = self.crawler.engine.downloader
        downloader.per_slot_settings.setdefault(host, {})["delay"] = floor
        slot = downloader.slots.get(host)
        if slot is not None:
            slot.delay = max(slot.delay, floor)

    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        # AutoThrottle lets only a 200 lower the delay (an error page must not speed a crawl
        # up), so a recrawl answered by 304s crept up to one request per latency, forever.
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)
        host = urlparse_cached(response).hostname or ""
        slot.delay = max(slot.delay, self.floors.get(host, 0.0))


DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
# RFC 9309 section 2.5: a crawler must parse at least 500 KiB and may ignore the rest. Parsing a
# 9 MB robots.txt whole took the crawl to 595 MB of memory.
ROBOTS_MAX_BYTES = 500 * 1024


class StrictRobotsTxt(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with RFC 9309's reading of errors (see the module)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.unavailable: dict[str, str] = {}  # netloc -> why its robots.txt gave no rules
        _READERS.add(self)

    def disallows(self, url: str) -> bool:
        """True when the robots.txt already read for `url`'s host disallows it."""
        parser = self._parsers.get(urlsplit(url).netloc)
        if parser is None or isinstance(parser, Deferred):
            return False
        agent = self._robotstxt_useragent or self._default_useragent
        return not parser.allowed(url, agent)

    async def robot_parser(self, request: Request) -> Any:
        """Scrapy's, for every request waiting on a host's robots.txt, not only the first.

        Scrapy (2.19) has the requests that arrive while a host's robots.txt is downloading
        await one shared Deferred; Twisted's `asFuture` callback returns None, so the second
        waiter on got None ("no robots.txt") and was fetched unchecked. A crawl's first request
        to a host is usually its feed, alone; a frontier worker starts with many articles of
        one host at once, and fetched Disallowed ones. The settled parser is read instead."""
        parser = await super().robot_parser(request)
        if parser is None:
            settled = self._parsers.get(urlparse_cached(request).netloc)
            if settled is not None and not isinstance(settled, Deferred):
                return settled
        return parser

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            self.unavailable[netloc] = f"HTTP {response.status}"
            response = response.replace(body=DISALLOW_ALL)
        elif len(response.body) > ROBOTS_MAX_BYTES:  # cut after the last whole line within it
            head = response.body[:ROBOTS_MAX_BYTES]
            response = response.replace(body=head[: head.rfind(b"\n") + 1])
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if isinstance(exc, IgnoreRequest):  # robots.txt itself not ours to fetch: no rules
            super()._robots_error(exc, netloc)
            return
        plain = next((text for kind, text in PLAIN_ERRORS.items() if isinstance(exc, kind)), None)
        self.unavailable[netloc] = f"no answer: {plain or type(exc).__name__}"
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        waiting = self._parsers[netloc]
        self._parsers[netloc] = parser
        if isinstance(waiting, Deferred):
            waiting.callback(parser)

    def process_request_2(self, rp: Any, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            why = self.unavailable.get(urlparse_cached(request).netloc)
            if why is None:
                raise
            raise RobotsUnavailable(
                f"robots.txt unavailable ({why}): disallowed until it answers (RFC 9309)"
            ) from None


_READERS: weakref.WeakSet[StrictRobotsTxt] = weakref.WeakSet()


def robots_disallow(url: str) -> bool:
    """True when a robots.txt this process's crawl has read disallows `url`: what a rendered
    page's own requests are checked against (crawler.browser.skip_resource). A host whose
    robots.txt was never read is not fetched for it, so its requests are not judged here."""
    return any(reader.disallows(url) for reader in list(_READERS))


def retry_after(response: Response) -> float | None:
    """Seconds a 429 or 503 answer asks to wait (Retry-After as seconds or an HTTP date)."""
    value = response.headers.get(b"Retry-After") if response.status in (429, 503) else None
    text = value.decode("latin-1").strip() if value else ""
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - datetime.now(UTC)).total_seconds(), 0.0)


class RetryAfter:
    """Honours Retry-After (see the module docstring); sits just before RetryMiddleware."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfter:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        wait = retry_after(response)
        if wait is None:
            return response
        if wait > MAX_CRAWL_DELAY:
            request.meta["dont_retry"] = True
            return response
        assert self.crawler.engine is not None
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            slot.delay = max(slot.delay, wait)
        return response
