"""The item pipeline: extract each fetched page and record the outcome, one transaction a page.

Extraction runs in worker processes (crawler.workers) while the reactor keeps fetching; what
comes back is stored here, in the crawl process, one page at a time: writes never race.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

from scrapy.crawler import Crawler
from sqlalchemy.exc import SQLAlchemyError

from crawler.article import MAX_UNRECOGNISED, Built
from crawler.claims import crawler_sink
from crawler.config import Config
from crawler.dates import dropped_note
from crawler.extract import ExtractionFailure
from crawler.items import PageFailed, PageFetched, PageSkipped, PageUnchanged, SameText
from crawler.page_surface import page_lines
from crawler.rereading import StoredPageReader
from crawler.workers import Extractor
from storage.db import Database, write_retrying
from storage.errors import Unwritable
from storage.fetch_states import Check, record_checks, record_failure
from storage.records import FetchedPage
from storage.removals import NOTICE_MAX_CHARS, record_removal, removal_notice
from storage.runs import RunCounts
from storage.versions import Outcome, Recorded, record_page

logger = logging.getLogger(__name__)
# One INFO line per page and its outcome (new, edited, unchanged, removed, failed): what
# `labscope schedule -v` adds to the scheduler's log (crawler.child relays it).
PAGE_LOG = "labscope.pages"
pages = logging.getLogger(PAGE_LOG)
CHECK_BATCH = 200
HELD_ALIASES = 1_000
"""Alias pages (AMP, mobile, print copies) held back until the run's other pages are stored,
so that the primary URL, when it answers in the same run, is the one that makes the version
whatever order the fetches finished in. Beyond this many (memory), they are stored at once."""


@dataclass
class PageSink:
    """Where a crawl's pages go: the database, the run's tallies, and a progress callback."""

    db: Database
    run_id: int
    config: Config
    extractor: Extractor
    counts: RunCounts = field(default_factory=RunCounts)
    on_progress: Callable[[RunCounts], None] | None = None
    claimed: set[str] = field(default_factory=set)
    found: dict[str, set[str]] = field(default_factory=dict)  # article URLs each source listed
    checks: list[PageUnchanged] = field(default_factory=list)  # written CHECK_BATCH at a time
    on_halt: Callable[[], object] | None = None  # stops the crawl: nothing more can be stored
    halted: Unwritable | None = None
    aliases: list[tuple[PageFetched, FetchedPage]] = field(default_factory=list)
    reader: StoredPageReader = field(default_factory=StoredPageReader)  # for the verdicts

    def claim(self, url: str, source: str) -> bool:
        """True the first time `url` is claimed in this run: one fetch per URL across spiders."""
        self.counts.add(source, "found")
        self.found.setdefault(source, set()).add(url)  # credited to the source at the end
        if url in self.claimed:
            return False
        self.claimed.add(url)
        return True

    def handle(self, item: Any, page: Built | None = None) -> None:
        """Record one item (a fetched page with its extraction when done elsewhere); a bug
        while handling it fails that page, never the crawl."""
        self._safely(item, lambda: self._handle(item, page))

    def _safely(self, item: Any, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception as exc:
            logger.exception("internal error while storing %s", getattr(item, "url", item))
            reason = f"internal error: {exc!r}"[:300]
            self.counts.fail(getattr(item, "source", "?"), getattr(item, "url", "?"), reason)
        if self.on_progress:
            self.on_progress(self.counts)

    async def handle_async(self, item: Any) -> None:
        """`handle`, with a fetched page extracted by a worker while the reactor goes on."""
        page: Built | None = None
        if isinstance(item, PageFetched):
            try:
                page = await self.extractor.build_async(item)
            except Exception as exc:  # e.g. a page the pool cannot pickle
                logger.exception("extraction of %s failed", item.url)
                page = ExtractionFailure(f"internal error while extracting: {exc!r}"[:300])
        self.handle(item, page)

    def _handle(self, item: Any, page: Built | None) -> None:
        match item:
            case PageFetched():
                built = page or self.extractor.build(item)
                if isinstance(built, SameText):
                    self.counts.add(item.source, "same_text")
                    self._check(PageUnchanged(item.source, item.url, item.fetched_at, 200))
                else:
                    self._store(item, built)
            case PageUnchanged():
                self._check(item)
            case PageFailed():
                if item.status is not None and not item.discovery:
                    self.counts.add(item.source, "fetched")
                if item.status is None:  # no answer at all: a site down, not a changed layout
                    self.counts.add(item.source, "unanswered")
                self._fail(item.source, item.url, item.fetched_at, item.status, item.reason)
            case PageSkipped():
                self.counts.add(item.source, "skipped")
                logger.info("skipped %s: %s", item.url, item.reason)

    def _check(self, item: PageUnchanged) -> None:
        """A fetch that changed nothing (a 304, the same bytes, the same visible text)."""
        pages.info("page of %s: %s unchanged", item.source, item.url)
        self.counts.add(item.source, "fetched")
        self.counts.add(item.source, "unchanged")
        if item.status == 304:
            self.counts.add(item.source, "not_modified")
        self.checks.append(item)
        if len(self.checks) >= CHECK_BATCH:
            self.flush_checks()

    def flush_checks(self) -> None:
        """Write the pending "checked, unchanged" records in one transaction.

        A recrawl of unchanged pages is mostly these records; one commit per page cost more
        than the fetch. A crash loses at most a batch of "last checked" times, never a version.
        """
        batch, self.checks = self.checks, []
        if not batch:
            return

        def work(session: Any) -> None:
            checks = [Check(item.url, item.fetched_at, item.status) for item in batch]
            record_checks(session, checks, self.run_id)

        if not self._write(batch[0].source, batch[0].url, work, count_failure=False):
            problem = self.halted.problem if self.halted else "database error"
            for item in batch:
                self.counts.fail(item.source, item.url, f"{problem} while recording a check")

    def flush_aliases(self) -> None:
        """Store the alias pages held back: each makes a version only where its article's
        primary URL has never answered."""
        held, self.aliases = self.aliases, []
        for item, page in held:
            self._safely(item, functools.partial(self._record, item, page))

    def _store(self, item: PageFetched, page: FetchedPage | ExtractionFailure) -> None:
        if isinstance(page, FetchedPage) and page.alias and len(self.aliases) < HELD_ALIASES:
            self.aliases.append((item, page))
            return
        self._record(item, page)

    def _record(self, item: PageFetched, page: FetchedPage | ExtractionFailure) -> None:
        self.counts.add(item.source, "fetched")
        if item.charset_note:
            self.counts.note(item.source, item.url, item.charset_note)
            logger.info("charset of %s: %s", item.url, item.charset_note)
        if isinstance(page, ExtractionFailure):
            if not self._removed(item):
                self._fail(item.source, item.url, item.fetched_at, 200, page.reason)
            return
        for value in page.dropped_dates:
            self.counts.note(item.source, item.url, dropped_note(value))
        if page.unrecognised_dropped:
            left_out = page.unrecognised_dropped
            note = f"{left_out} unrecognised names beyond {MAX_UNRECOGNISED} left out"
            self.counts.note(item.source, item.url, note)
        relevance = next((s.relevance for s in self.config.sources if s.name == item.source), "all")
        if relevance == "entities" and not any(e.known for e in page.entities):
            self.counts.add(item.source, "skipped")
            logger.info("skipped %s: names no known entity (relevance = entities)", item.url)
            return
        rules = self.config.noise_rules().rules_for(item.source)
        results: list[Recorded] = []
        if not self._write(
            item.source,
            item.url,
            lambda s: results.append(record_page(s, page, self.run_id, rules, self.reader)),
        ):
            return
        recorded = results[-1]  # a retried write appended twice: the retry's is the truth
        pages.info("page of %s: %s %s", item.source, item.url, _OUTCOMES[recorded.outcome])
        match recorded.outcome:
            case Outcome.NEW_ARTICLE:
                self.counts.add(item.source, "new_articles")
                self.counts.add(item.source, "new_versions")
            case Outcome.NEW_VERSION:
                self.counts.add(item.source, "new_versions")
            case Outcome.UNCHANGED:
                self.counts.add(item.source, "unchanged")
            case Outcome.REFUSED:
                self.counts.fail(item.source, item.url, recorded.reason)
            case Outcome.REMOVED:
                self.counts.add(item.source, "removed")
                logger.info("removed %s: %s", item.url, recorded.reason)

    def _removed(self, item: PageFetched) -> bool:
        """A known article's page that gave no article but says it was removed: a removal."""
        notice = removal_notice(page_lines(item.body, NOTICE_MAX_CHARS))
        if notice is None:
            return False
        done: list[bool] = []

        def work(session: Any) -> None:
            done.append(record_removal(session, item.url, item.fetched_at, notice, self.run_id))

        if not self._write(item.source, item.url, work) or not done[-1]:
            return False
        self.counts.add(item.source, "removed")
        pages.info("page of %s: %s removed", item.source, item.url)
        logger.info("removed %s: the page says: %s", item.url, notice)
        return True

    def _fail(self, source: str, url: str, when: datetime, status: int | None, reason: str) -> None:
        self.counts.fail(source, url, reason)
        pages.info("page of %s: %s failed", source, url)
        logger.warning("failed %s: %s", url, reason)
        self._write(
            source, url, lambda s: record_failure(s, url, when, status, reason, self.run_id)
        )

    def _write(
        self, source: str, url: str, work: Callable[[Any], object], count_failure: bool = True
    ) -> bool:
        """Run `work` in its own transaction; a database error fails this page, not the crawl,
        unless no write can succeed any more (disk full): then the crawl stops."""
        if self.halted is None:
            try:
                write_retrying(self.db, work)
                return True
            except Unwritable as exc:
                self.halted = exc
                logger.info("stopping the crawl: %s", exc)
                if self.on_halt:
                    self.on_halt()
            except SQLAlchemyError as exc:
                reason = "database error: " + " ".join(str(getattr(exc, "orig", exc)).split())[:200]
                if count_failure:
                    self.counts.fail(source, url, reason)
                logger.error("could not store %s: %s", url, reason)
                return False
        if count_failure:
            self.counts.fail(source, url, f"not stored: {self.halted.problem}")
        return False


class StorePipeline:
    """Scrapy's end of the pipe: hands every item to the sink attached to its crawler
    (crawler.claims.attach_sink: the crawl's PageSink, or a preview's PreviewSink)."""

    def __init__(self, crawler: Crawler) -> None:
        self.sink = crawler_sink(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def close_spider(self) -> None:
        self.sink.flush_checks()

    async def process_item(self, item: Any) -> Any:
        await self.sink.handle_async(item)
        return item


# The words of the page log for what storing a page came to.
_OUTCOMES = {
    Outcome.NEW_ARTICLE: "new",
    Outcome.NEW_VERSION: "edited",
    Outcome.UNCHANGED: "unchanged",
    Outcome.REFUSED: "failed",
    Outcome.REMOVED: "removed",
}
