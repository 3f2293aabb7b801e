"""Running one crawl: sources in, a recorded crawl run out.

Scrapy's reactor cannot be restarted, so `run_crawl` runs once per process; the scheduler
starts a process per crawl.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scrapy.crawler import CrawlerProcess

from crawler.config import Config, SourceConfig
from crawler.entities import KnowledgeBase
from crawler.errors import CrawlRunError
from crawler.pipelines import PageSink
from crawler.settings import scrapy_settings
from crawler.spiders.base import SourceSpider
from crawler.spiders.feed import FeedSpider
from crawler.spiders.listing import ListingSpider
from crawler.spiders.page import PageSpider
from crawler.spiders.sitemap import SitemapSpider
from storage.db import Database
from storage.runs import RunCounts, finish_run, start_run
from storage.versions import Validators, ensure_source, validators_for

SPIDERS: dict[str, type[SourceSpider]] = {
    "feed": FeedSpider,
    "sitemap": SitemapSpider,
    "listing": ListingSpider,
    "page": PageSpider,
}


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


def run_crawl(
    config: Config,
    db: Database,
    names: list[str] | None = None,
    *,
    trigger: str = "manual",
    on_progress: Callable[[RunCounts], None] | None = None,
    log_level: str = "ERROR",
) -> CrawlResult:
    """Crawl the selected sources once, record the run, and return its tallies."""
    sources = select_sources(config, names)
    with db.transaction() as session:
        for source in sources:
            ensure_source(session, source.name, source.kind, source.url)
        run_id = start_run(session, trigger, [source.name for source in sources])
    kb = KnowledgeBase.default().with_entities(config.entities)
    sink = PageSink(db, run_id, config, kb, on_progress=on_progress)
    status = "failed"
    try:
        process = CrawlerProcess(scrapy_settings(config.crawl, log_level))
        crawlers = [process.create_crawler(SPIDERS[source.kind]) for source in sources]
        for crawler, source in zip(crawlers, sources, strict=True):
            process.crawl(
                crawler,
                source=source,
                sink=sink,
                validators=lambda url: _validators(db, url),
                max_bytes=config.crawl.max_page_bytes,
            )
        process.start()
        reasons = {crawler.stats.get_value("finish_reason") for crawler in crawlers}
        status = "interrupted" if "shutdown" in reasons else "finished"
    finally:
        with db.transaction() as session:
            finish_run(session, run_id, sink.counts, status)
    return CrawlResult(run_id, status, [source.name for source in sources], sink.counts)


def _validators(db: Database, url: str) -> Validators | None:
    with db.reading() as session:
        return validators_for(session, url)
