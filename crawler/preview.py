"""`labscope try`: what a source with given settings would yield, found by a real crawl that
stores nothing.

The crawl is the one `labscope crawl` runs, in this process: the same spiders, Scrapy settings
(robots.txt, delay, timeout, the browser for render = "browser"), item pipeline and extraction.
Two parts differ. PreviewSink takes the sink's place and keeps what arrives in memory: no
database is opened, so the configured one is left as it is (or not created). PreviewLinks, a
spider middleware, notes every article link the spider asks for and lets only the first one be
fetched: one discovery page and one article, the cost of a look.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from scrapy import Request
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from crawler.browser import check_browser, rendering
from crawler.claims import attach_sink, crawler_sink
from crawler.config import Config, SourceConfig
from crawler.errors import CrawlRunError
from crawler.extract import ExtractionFailure
from crawler.items import PageFailed, PageFetched, PageSkipped
from crawler.kind_guess import Guess
from crawler.settings import scrapy_settings
from crawler.spiders.base import SourceSpider
from crawler.spiders.by_kind import SPIDERS
from crawler.spiders.guess import GuessSpider
from crawler.workers import Extractor
from storage.records import FetchedPage
from storage.runs import RunCounts


class PreviewError(CrawlRunError):
    """The URL gave nothing to preview: unreachable, an error status, robots.txt, not a source."""


@dataclass(frozen=True)
class Link:
    """An article link as discovery gave it, with what the feed, sitemap, list or anchor said."""

    url: str
    title: str | None
    published: str | None


@dataclass
class PreviewSink:
    """The Sink a preview's spider writes to: everything is kept here, nothing stored."""

    config: Config
    extractor: Extractor
    counts: RunCounts = field(default_factory=RunCounts)
    links: list[Link] = field(default_factory=list)
    claimed: set[str] = field(default_factory=set)
    fetching: str | None = None  # the one article link let through to be fetched
    article: FetchedPage | None = None
    article_error: str | None = None
    failure: str | None = None  # why discovery gave nothing

    def claim(self, url: str, source: str) -> bool:
        """As PageSink.claim: a URL listed twice is one link."""
        if url in self.claimed:
            return False
        self.claimed.add(url)
        return True

    def listed(self, request: Request) -> bool:
        """Note an article request; True for the one to fetch (the first)."""
        hints: dict[str, Any] = request.meta.get("hints", {})
        title = hints.get("title") or hints.get("anchor") or None
        self.links.append(Link(request.url, title, hints.get("published")))
        if self.fetching is None:
            self.fetching = request.url
            return True
        return False

    async def handle_async(self, item: Any) -> None:
        match item:
            case PageFetched():
                page = await self.extractor.build_async(item)
                if isinstance(page, ExtractionFailure):
                    self.article_error = f"{item.url}: no article extracted ({page.reason})"
                else:
                    self.article = page
            case PageFailed(discovery=True) | PageSkipped() if not self.links:
                self.failure = f"{item.url}: {item.reason}"
            case PageFailed(discovery=False) | PageSkipped():
                self.article_error = f"{item.url}: {item.reason}"
            # A discovery page failing after links were found (one child sitemap of several)
            # leaves the preview as it is: the links already listed are what it shows.

    def flush_checks(self) -> None:
        """Nothing to write: a preview records no check."""


class PreviewLinks(BaseSpiderMiddleware):
    """Notes each article request (those carrying discovery hints) in the PreviewSink and
    drops all but the first; discovery requests (a linked feed, a child sitemap) pass."""

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        sink = crawler_sink(self.crawler)
        assert isinstance(sink, PreviewSink)
        if "hints" not in request.meta:
            return request
        return request if sink.listed(request) else None


@dataclass(frozen=True)
class Preview:
    """What a source with these settings yields; `guess` when its kind was guessed."""

    source: SourceConfig
    guess: Guess | None
    links: list[Link]
    article: FetchedPage | None
    article_error: str | None
    notes: list[str]


def run_preview(
    config: Config, source: SourceConfig, *, guess: bool, log_level: str = "CRITICAL"
) -> Preview:
    """Crawl `source` once without storing anything (its kind guessed from the answer when
    `guess`); raises PreviewError when the URL gives no discovery page to read."""
    if source.render == "browser":
        check_browser(config.browser)
    extractor = Extractor(config.entities, 0)  # one page: in this process, no workers
    sink = PreviewSink(config, extractor)
    settings = scrapy_settings(config.crawl, log_level)
    settings["SPIDER_MIDDLEWARES"] = {"crawler.preview.PreviewLinks": 1000}
    spider: type[SourceSpider] = GuessSpider if guess else SPIDERS[source.kind]
    if source.render == "browser":
        spider = rendering(spider, config.crawl, config.browser)
    try:
        process = CrawlerProcess(settings)
        logging.getLogger("scrapy").setLevel(log_level)
        crawler = process.create_crawler(spider)
        attach_sink(crawler, sink)
        process.crawl(
            crawler,
            source=source,
            sink=sink,
            validators=lambda urls: {},  # nothing known: every page is asked for whole
            max_bytes=config.crawl.max_page_bytes,
        )
        process.start()
    finally:
        extractor.close()
    if sink.failure:
        raise PreviewError(sink.failure)
    ran = crawler.spider
    assert isinstance(ran, SourceSpider)
    guessed = ran.guess if isinstance(ran, GuessSpider) else None
    return Preview(
        source=ran.source,
        guess=guessed,
        links=sink.links,
        article=sink.article,
        article_error=sink.article_error,
        notes=[note["note"] for note in sink.counts.notes],
    )
