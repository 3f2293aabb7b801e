"""`labscope worker`: fetch, extract and store what the crawls put in the frontier.

One Scrapy crawler per configured source (as in a crawl), each a FrontierSpider taking its
source's requests from Redis; the pages go through the crawl's own pipeline (PageSink: the
extraction workers, one transaction a page, write_retrying). A request's lease ends only when
its page is stored, so a worker killed mid-page loses nothing: another worker takes the request
when the lease runs out, and storing a page already stored adds no version (the archive's unique
constraints, and write_retrying finding the version there). The worker's work is a crawl run
with trigger "worker", under its host:pid.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import CrawlerProcess
from sqlalchemy.exc import SQLAlchemyError

from crawler.browser import rendering
from crawler.claims import attach_sink
from crawler.config import Config
from crawler.errors import CrawlRunError
from crawler.frontier.queue import LeasedQueue, PendingFilter, worker_settings
from crawler.frontier.store import connect
from crawler.items import PageFetched
from crawler.pipelines import PageSink
from crawler.run import CrawlResult, run_status
from crawler.settings import scrapy_settings
from crawler.spiders.frontier import FrontierSpider
from crawler.workers import IN_PROCESS_PAGES, Extractor, extraction_workers
from storage.article_sources import credit_sources
from storage.db import Database
from storage.runs import RunCounts, close_abandoned_runs, finish_run, start_run
from storage.versions import ensure_source

logger = logging.getLogger(__name__)


@dataclass
class WorkerSink:
    """The crawl's PageSink, ending each request's lease once its page is stored.

    Pages the sink holds back (checks written a batch at a time, alias pages stored last) keep
    their leases until they are written: `flush`, on every idle moment and at the end."""

    pages: PageSink
    queues: dict[str, tuple[LeasedQueue, PendingFilter]] = field(default_factory=dict)
    after_checks: list[tuple[str, str]] = field(default_factory=list)
    after_aliases: list[tuple[str, str]] = field(default_factory=list)
    stored: dict[str, set[str]] = field(default_factory=dict)  # credited to their sources

    @property
    def config(self) -> Config:
        return self.pages.config

    @property
    def counts(self) -> RunCounts:
        return self.pages.counts

    def claim(self, url: str, source: str) -> bool:
        return True  # the crawl that enqueued the URL claimed it

    def attach(self, source: str, queue: LeasedQueue, pending: PendingFilter) -> None:
        self.queues[source] = (queue, pending)

    async def handle_async(self, item: Any) -> None:
        checks, aliases = len(self.pages.checks), len(self.pages.aliases)
        await self.pages.handle_async(item)
        key = (item.source, item.url)
        if isinstance(item, PageFetched):
            self.stored.setdefault(item.source, set()).add(item.url)
        if len(self.pages.checks) > checks:
            self.after_checks.append(key)
        elif len(self.pages.aliases) > aliases:
            self.after_aliases.append(key)
        else:
            self._done([key])
            if len(self.pages.checks) < checks:  # this page's check wrote the batch
                self._done(self.after_checks)
                self.after_checks = []

    def flush_checks(self) -> None:
        self.pages.flush_checks()
        self._done(self.after_checks)
        self.after_checks = []

    def flush(self) -> None:
        """Write what is held back, end those leases, credit the sources."""
        self.flush_checks()
        self.pages.flush_aliases()
        self._done(self.after_aliases)
        self.after_aliases = []
        stored, self.stored = self.stored, {}
        if stored:
            try:
                with self.pages.db.transaction() as session:
                    credit_sources(session, stored, datetime.now(UTC))
            except SQLAlchemyError as exc:
                logger.warning("could not credit the sources with the articles stored: %s", exc)

    def _done(self, keys: list[tuple[str, str]]) -> None:
        for source, url in keys:
            if source in self.queues:
                queue, pending = self.queues[source]
                if queue.done(url):
                    pending.release(url)


def run_worker(
    config: Config,
    db: Database,
    *,
    idle_exit: float | None,
    lease: float,
    log_level: str = "ERROR",
) -> CrawlResult:
    """Work on the frontier until stopped (SIGTERM, Ctrl-C) or idle for `idle_exit` seconds."""
    if config.crawl.frontier is None:
        where = config.path or "the configuration"
        raise CrawlRunError(
            f'{where}: [crawl] frontier is not set; add frontier = "redis://HOST:PORT/0"'
        )
    connect(config.crawl.frontier)  # a one-line error now rather than a traceback per source
    sources = list(config.sources)
    names = [source.name for source in sources]
    with db.transaction() as session:
        for source in sources:
            ensure_source(session, source.name, source.kind, source.url)
        close_abandoned_runs(session)
        run_id = start_run(session, "worker", names)
    workers = extraction_workers(config.crawl.workers)
    automatic = config.crawl.workers is None
    extractor = Extractor(config.entities, workers, IN_PROCESS_PAGES if automatic else 0)
    pages = PageSink(db, run_id, config, extractor)
    sink = WorkerSink(pages)
    status = "failed"
    try:
        settings = scrapy_settings(config.crawl, log_level)
        settings.update(worker_settings(config.crawl.frontier))
        # Last before the download: the host is reserved when the request is about to leave.
        polite = {"crawler.frontier.polite.SharedPoliteness": 950}
        settings["DOWNLOADER_MIDDLEWARES"] = {**settings["DOWNLOADER_MIDDLEWARES"], **polite}
        process = CrawlerProcess(settings)
        logging.getLogger("scrapy").setLevel(log_level)
        pages.on_halt = process.stop
        crawlers = []
        for source in sources:
            spider: type[FrontierSpider] = FrontierSpider
            if source.render == "browser":
                spider = rendering(spider, config.crawl, config.browser)
            crawler = process.create_crawler(spider)
            attach_sink(crawler, sink)
            process.crawl(
                crawler,
                source=source,
                sink=sink,
                validators=lambda urls: {},  # its requests were made conditional when queued
                max_bytes=config.crawl.max_page_bytes,
                lease=lease,
                idle_exit=idle_exit,
            )
            crawlers.append(crawler)
        process.start()
        status = run_status(crawlers, bool(pages.halted))
    finally:
        sink.flush()
        extractor.close()
        with db.transaction() as session:
            finish_run(session, run_id, pages.counts, status, names)
    if pages.halted:
        raise pages.halted
    return CrawlResult(run_id, status, names, pages.counts)
