"""Running one crawl: sources in, a recorded crawl run out.

Scrapy's reactor cannot be restarted, so `run_crawl` runs once per process; the scheduler
starts a process per crawl.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from scrapy.crawler import Crawler, CrawlerProcess
from sqlalchemy.exc import SQLAlchemyError

from crawler.browser import BrowserMissingError, check_browser, needs_browser, rendering
from crawler.claims import attach_sink
from crawler.config import Config, SourceConfig
from crawler.errors import CrawlRunError
from crawler.pipelines import PageSink
from crawler.settings import scrapy_settings
from crawler.spiders.by_kind import SPIDERS
from crawler.spiders.recheck import RecheckSpider
from crawler.workers import IN_PROCESS_PAGES, Extractor, extraction_workers
from storage.article_sources import credit_sources
from storage.db import Database
from storage.fetch_states import Validators, validators_for
from storage.rechecks import due_articles
from storage.runs import RunCounts, claim_run, close_abandoned_runs, finish_run, start_run
from storage.versions import ensure_source

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrawlResult:
    run_id: int
    status: str
    sources: list[str]
    counts: RunCounts


def select_sources(config: Config, names: list[str] | None = None) -> list[SourceConfig]:
    """The named sources (all enabled ones by default); unknown names are a ConfigError."""
    if names:
        return [config.source(name) for name in dict.fromkeys(names)]
    sources = [source for source in config.sources if source.enabled]
    if not sources:
        where = config.path or "the configuration"
        raise CrawlRunError(f"{where}: no enabled [[sources]] to crawl; add one (see README)")
    return sources


def _unrenderable(config: Config, sources: list[SourceConfig]) -> dict[str, str]:
    """The sources this crawl cannot render, each with its reason, when chromium is missing.

    A crawl of browser sources only is refused before it starts; in a mixed crawl (the default
    config) the other sources are still crawled and each browser source's run fails with the
    reason, so `labscope sources` shows it failing rather than the whole crawl refused.
    """
    if not needs_browser(sources):
        return {}
    try:
        check_browser(config.browser)
    except BrowserMissingError as exc:
        if all(source.render == "browser" for source in sources):
            raise
        logger.warning("%s", exc)
        return {source.name: str(exc) for source in sources if source.render == "browser"}
    return {}


def run_crawl(
    config: Config,
    db: Database,
    names: list[str] | None = None,
    *,
    trigger: str = "manual",
    run_id: int | None = None,
    recheck: dict[str, list[str]] | None = None,
    on_progress: Callable[[RunCounts], None] | None = None,
    log_level: str = "ERROR",
) -> CrawlResult:
    """Crawl the selected sources once (or, with `recheck`, fetch those articles of each source
    again), record the run (a new one, or `run_id` when the caller opened it), return its tallies.
    """
    sources = (
        [config.source(name) for name in recheck] if recheck else select_sources(config, names)
    )
    unrenderable = _unrenderable(config, sources)
    settings = scrapy_settings(config.crawl, log_level)
    if config.crawl.frontier:  # discover only: article requests go to the workers' frontier
        from crawler.frontier.queue import enqueue_settings
        from crawler.frontier.store import connect

        connect(config.crawl.frontier)  # one line if Redis is down, before a run is opened
        settings.update(enqueue_settings(config.crawl.frontier))
    with db.transaction() as session:
        for source in sources:
            ensure_source(session, source.name, source.kind, source.url)
        close_abandoned_runs(session)
        if run_id is None:
            run_id = start_run(session, trigger, [source.name for source in sources])
        else:
            claim_run(session, run_id)
    workers = extraction_workers(config.crawl.workers)
    automatic = config.crawl.workers is None
    extractor = Extractor(config.entities, workers, IN_PROCESS_PAGES if automatic else 0)
    sink = PageSink(db, run_id, config, extractor, on_progress=on_progress)
    status = "failed"
    try:
        process = CrawlerProcess(settings)
        # LOG_LEVEL filters only at Scrapy's handler: every request's and item's debug record
        # was still built and counted (7% of a 304 recrawl's CPU) before being dropped.
        logging.getLogger("scrapy").setLevel(log_level)
        sink.on_halt = process.stop
        crawlers = []
        for source in sources:
            if source.name in unrenderable:
                sink.counts.fail(source.name, source.url, unrenderable[source.name])
                continue
            spider = RecheckSpider if recheck else SPIDERS[source.kind]
            if source.render == "browser":  # only this source's crawler starts a browser
                spider = rendering(spider, config.crawl, config.browser)
            crawler = process.create_crawler(spider)
            attach_sink(crawler, sink)
            extra = {"urls": recheck[source.name]} if recheck else {}
            process.crawl(
                crawler,
                source=source,
                sink=sink,
                validators=lambda urls: _validators(db, urls),
                max_bytes=config.crawl.max_page_bytes,
                **extra,
            )
            crawlers.append(crawler)
        process.start()
        status = run_status(crawlers, bool(sink.halted))
    finally:
        sink.flush_aliases()
        sink.flush_checks()  # normally done as each spider closes; this covers a crash
        extractor.close()
        if not recheck and not sink.halted:  # a recheck lists no URLs: it refetches known ones
            _credit(db, sink.found)
        with db.transaction() as session:
            finish_run(session, run_id, sink.counts, status, [source.name for source in sources])
    if sink.halted:
        raise sink.halted
    try:
        db.refresh_statistics()
    except SQLAlchemyError as exc:  # statistics only speed up queries: the crawl is stored
        logger.warning("could not refresh the query planner's statistics: %s", exc)
    return CrawlResult(run_id, status, [source.name for source in sources], sink.counts)


def _credit(db: Database, found: dict[str, set[str]]) -> None:
    """Credit each source with the stored articles it listed; a failure costs the credit only."""
    try:
        with db.transaction() as session:
            credit_sources(session, found, datetime.now(UTC))
    except SQLAlchemyError as exc:
        logger.warning("could not credit the sources with the articles they found: %s", exc)


def run_recheck(
    config: Config,
    db: Database,
    *,
    trigger: str = "recheck",
    run_id: int | None = None,
    now: datetime | None = None,
    on_progress: Callable[[RunCounts], None] | None = None,
    log_level: str = "ERROR",
) -> CrawlResult | None:
    """Fetch again the articles due on the [recheck] schedule; None when none is due."""
    steps = [(step.interval, step.until) for step in config.recheck.steps]
    with db.reading() as session:
        due = due_articles(session, steps, now or datetime.now(UTC), config.recheck.batch)
    configured = {source.name for source in config.sources}
    urls: dict[str, list[str]] = {}
    for article in due:
        if article.source in configured:  # a source removed from the config is not rechecked
            urls.setdefault(article.source, []).append(article.url)
    if not urls:
        if run_id is not None:
            with db.transaction() as session:
                finish_run(session, run_id, RunCounts(), "finished", [])
        return None
    return run_crawl(
        config,
        db,
        trigger=trigger,
        run_id=run_id,
        recheck=urls,
        on_progress=on_progress,
        log_level=log_level,
    )


def _validators(db: Database, urls: list[str]) -> dict[str, Validators]:
    with db.reading() as session:
        return validators_for(session, urls)


def run_status(crawlers: list[Crawler], halted: bool) -> str:
    """How a run of these crawlers ended: `failed` when storage halted it, `interrupted` when a
    signal shut a spider down, else `finished` (a crawl's and a frontier worker's alike)."""
    if halted:
        return "failed"
    reasons = {crawler.stats.get_value("finish_reason") for crawler in crawlers}
    return "interrupted" if "shutdown" in reasons else "finished"
