"""scrapy-redis, adapted: a leased queue, a duplicate filter of pending requests, the worker's
scheduler, and the crawl's scheduler that sends article requests to Redis (see the package)."""

from __future__ import annotations

from collections import deque
from typing import Any

import redis
import scrapy
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from crawler.frontier import serializer
from crawler.frontier.store import REQUEUED_SCORE, Steps, connect, source_keys
from crawler.spiders.base import SourceSpider

FINGERPRINT_DAYS = 7
"""A source's pending fingerprints expire this long after its last enqueue: a safety net only
(each goes when its page is stored), so a lost lease set cannot block a URL for ever."""
DEFAULT_LEASE = 30.0


def _source(spider: Any) -> str:
    source: str = spider.source.name
    return source


class LeasedQueue(Base):  # type: ignore[misc]  # scrapy-redis ships no type information
    """scrapy-redis's priority queue (same key, scores -priority, ties in order of arrival),
    where a pop is a lease.

    A popped request stays in `S:leases` until `done` (its page is stored); the worker renews
    the leases it holds, and any worker's pop puts expired ones back first in the queue."""

    def __init__(self, server: redis.Redis, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.keys = source_keys(_source(spider))
        self.key = self.keys.requests
        self.steps = Steps(server)
        self.lease_ms = int(getattr(spider, "lease", DEFAULT_LEASE) * 1000)
        self.held: dict[str, bytes] = {}  # asked-for URL -> its member in the lease set

    def __len__(self) -> int:
        return int(self.server.zcard(self.keys.requests))

    def push(self, request: scrapy.Request) -> None:
        self.steps.push(self.keys, request.priority, self._encode_request(request))

    def pop(self, timeout: int = 0) -> scrapy.Request | None:
        data = self.steps.pop(self.keys, self.lease_ms)
        if data is None:
            return None
        request: scrapy.Request = self._decode_request(data)
        self.held[request.url] = data
        return request

    def done(self, url: str) -> bool:
        """The page of `url` is stored: its lease (and any copy put back meanwhile) goes."""
        data = self.held.pop(url, None)
        if data is None:
            return False
        pipe = self.server.pipeline()
        pipe.zrem(self.keys.leases, data).zrem(self.keys.requests, data)
        pipe.execute()
        return True

    def renew(self) -> None:
        self.steps.renew(self.keys, self.lease_ms, list(self.held.values()))

    def release(self) -> None:
        """Give the held requests back (the worker is stopping): others fetch them at once."""
        held, self.held = list(self.held.values()), {}
        if held:
            pipe = self.server.pipeline()
            for data in held:
                pipe.zrem(self.keys.leases, data).zadd(self.keys.requests, {data: REQUEUED_SCORE})
            pipe.execute()

    def outstanding(self) -> int:
        """Requests of this source queued or leased, by any worker."""
        pipe = self.server.pipeline()
        pipe.zcard(self.keys.requests).zcard(self.keys.leases)
        queued, leased = pipe.execute()
        return int(queued) + int(leased)

    def clear(self) -> None:
        """Never called (the scheduler persists): the queue is every worker's, not one's."""


class PendingFilter(RFPDupeFilter):  # type: ignore[misc]
    """scrapy-redis's duplicate filter, holding a fingerprint only while its request is pending:
    a URL already queued is not queued again, a URL stored can be queued at its next recheck."""

    @classmethod
    def from_spider(cls, spider: Any) -> PendingFilter:
        server = get_redis_from_settings(spider.settings)
        return cls(server, key=source_keys(_source(spider)).dupefilter)

    def request_seen(self, request: scrapy.Request) -> bool:
        pipe = self.server.pipeline()
        pipe.sadd(self.key, self.request_fingerprint(request))
        pipe.expire(self.key, FINGERPRINT_DAYS * 86400)
        added, _ = pipe.execute()
        return bool(added == 0)

    def release(self, url: str) -> None:
        self.server.srem(self.key, self.request_fingerprint(scrapy.Request(url)))

    def clear(self) -> None:
        """Never called (the scheduler persists): the fingerprints are every worker's."""


class WorkerScheduler(RedisScheduler):  # type: ignore[misc]
    """scrapy-redis's scheduler for `labscope worker`: requests come from the frontier; the
    requests the worker's own downloader makes of them (a redirect, a retry) stay in this
    process, under the lease of the request they came from."""

    def open(self, spider: scrapy.Spider) -> None:
        super().open(spider)
        self.follow_ups: deque[scrapy.Request] = deque()

    def enqueue_request(self, request: scrapy.Request) -> bool:
        self.follow_ups.append(request)
        return True

    def next_request(self) -> scrapy.Request | None:
        if self.follow_ups:
            return self.follow_ups.popleft()
        request: scrapy.Request | None = self.queue.pop()
        return request

    def has_pending_requests(self) -> bool:
        return bool(self.follow_ups) or len(self.queue) > 0

    def close(self, reason: str) -> None:
        self.queue.release()


def worker_settings(url: str) -> dict[str, Any]:
    """What makes a crawler a frontier worker (scrapy-redis's settings)."""
    return {
        "SCHEDULER": "crawler.frontier.queue.WorkerScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.frontier.queue.LeasedQueue",
        "SCHEDULER_SERIALIZER": "crawler.frontier.serializer",
        "DUPEFILTER_CLASS": "crawler.frontier.queue.PendingFilter",
        "SCHEDULER_PERSIST": True,  # else scrapy-redis deletes the shared queue on close
        "REDIS_URL": url,
    }


class EnqueueScheduler(Scheduler):
    """The crawl's scheduler with a frontier: discovery requests are fetched here as always,
    article requests go to the frontier (each once while pending), counted as "enqueued"."""

    server: redis.Redis

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EnqueueScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.server = connect(crawler.settings["LABSCOPE_FRONTIER"])
        return scheduler

    def open(self, spider: scrapy.Spider) -> Any:
        self.queue = LeasedQueue(self.server, spider, "", serializer)
        self.pending = PendingFilter(self.server, source_keys(_source(spider)).dupefilter)
        return super().open(spider)

    def enqueue_request(self, request: scrapy.Request) -> bool:
        spider = self.spider
        article = getattr(request.callback, "__func__", None) is SourceSpider.parse_article
        if not article or not isinstance(spider, SourceSpider):
            return bool(super().enqueue_request(request))
        source = spider.source.name
        if self.pending.request_seen(request):
            spider.sink.counts.add(source, "already_queued")
        else:
            self.queue.push(request)
            spider.sink.counts.add(source, "enqueued")
        return True


def enqueue_settings(url: str) -> dict[str, Any]:
    return {"SCHEDULER": "crawler.frontier.queue.EnqueueScheduler", "LABSCOPE_FRONTIER": url}
