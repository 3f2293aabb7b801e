"""Frontier spider (`labscope worker`): one source's article requests, from the shared frontier.

It discovers nothing: the requests come from Redis through its scheduler
(crawler.frontier.queue.WorkerScheduler) and are answered by SourceSpider.parse_article, the
callback they were made with. It never closes by itself while the frontier may still give it
work, unless --idle-exit says how long to wait for none.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any, Self

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from twisted.internet import task

from crawler.spiders.base import SourceSpider


class FrontierSpider(SourceSpider):
    name = "frontier"
    capped = False

    def __init__(self, lease: float, idle_exit: float | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lease = lease  # LeasedQueue reads it
        self.idle_exit = idle_exit
        self.idle_since = time.monotonic()
        self.renewal: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.keep_waiting, signal=signals.spider_idle)
        crawler.signals.connect(spider.closed_down, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        return
        yield  # an async generator that yields nothing: the frontier has the requests

    def _scheduler(self) -> Any:
        assert self.crawler.engine is not None and self.crawler.engine.scheduler is not None
        return self.crawler.engine.scheduler  # a WorkerScheduler (crawler.frontier.worker)

    def _queue(self) -> Any:
        return self._scheduler().queue

    def opened(self) -> None:
        """Hand the sink this source's queue and filter (to end leases and fingerprints once
        pages are stored), and renew the leases held while they are."""
        scheduler = self._scheduler()
        queue = scheduler.queue
        attach = getattr(self.sink, "attach", None)
        if attach is not None:
            attach(self.source.name, queue, scheduler.df)
        self.renewal = task.LoopingCall(queue.renew)
        self.renewal.start(self.lease / 3, now=False)

    def keep_waiting(self) -> None:
        """Idle: stored what was pending, then wait for more, or close after --idle-exit
        seconds in which nothing was queued or leased (by any worker: an expired lease of a
        killed worker comes back to whoever is still waiting)."""
        flush = getattr(self.sink, "flush", None)
        if flush is not None:
            flush()
        if self._queue().outstanding():
            self.idle_since = time.monotonic()
            raise DontCloseSpider
        if self.idle_exit is None or time.monotonic() - self.idle_since < self.idle_exit:
            raise DontCloseSpider

    def closed_down(self) -> None:
        if self.renewal is not None and self.renewal.running:
            self.renewal.stop()
