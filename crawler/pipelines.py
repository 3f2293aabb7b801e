"""The item pipeline: extract each fetched page and record the outcome, one transaction a page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

from scrapy.crawler import Crawler
from sqlalchemy.exc import SQLAlchemyError

from crawler.extract import Extraction, ExtractionFailure, extract
from crawler.items import PageFailed, PageFetched, PageSkipped, PageUnchanged
from crawler.spiders.base import SourceSpider
from crawler.urls import canonicalize, is_http_url, same_site
from storage.db import Database
from storage.runs import RunCounts
from storage.versions import (
    FetchedPage,
    Outcome,
    PageContent,
    record_check,
    record_failure,
    record_page,
)

logger = logging.getLogger(__name__)


@dataclass
class PageSink:
    """Where a crawl's pages go: the database, the run's tallies, and a progress callback."""

    db: Database
    run_id: int
    counts: RunCounts = field(default_factory=RunCounts)
    on_progress: Callable[[RunCounts], None] | None = None
    claimed: set[str] = field(default_factory=set)

    def claim(self, url: str) -> bool:
        """True the first time `url` is claimed in this run: one fetch per URL across spiders."""
        if url in self.claimed:
            return False
        self.claimed.add(url)
        return True

    def handle(self, item: Any) -> None:
        """Record one item; a bug while handling it fails that page, never the crawl."""
        try:
            self._handle(item)
        except Exception as exc:
            logger.exception("internal error while storing %s", getattr(item, "url", item))
            self.counts.failed += 1
            self.counts.errors.append(
                {"url": getattr(item, "url", "?"), "reason": f"internal error: {exc!r}"[:300]}
            )
        if self.on_progress:
            self.on_progress(self.counts)

    def _handle(self, item: Any) -> None:
        match item:
            case PageFetched():
                self._store(item)
            case PageUnchanged():
                self.counts.fetched += 1
                self.counts.unchanged += 1
                if item.status == 304:
                    self.counts.not_modified += 1
                self._write(
                    item.url, lambda s: record_check(s, item.url, item.fetched_at, item.status)
                )
            case PageFailed():
                if item.status is not None and not item.discovery:
                    self.counts.fetched += 1
                self._fail(item.url, item.fetched_at, item.status, item.reason)
            case PageSkipped():
                self.counts.skipped += 1
                logger.info("skipped %s: %s", item.url, item.reason)

    def _store(self, item: PageFetched) -> None:
        self.counts.fetched += 1
        result = extract(item.html, item.final_url)
        if isinstance(result, ExtractionFailure):
            self._fail(item.url, item.fetched_at, 200, result.reason)
            return
        page = FetchedPage(
            source=item.source,
            url=item.url,
            article_url=_article_url(result, item.final_url),
            fetched_at=item.fetched_at,
            html=item.body,
            content=_content(result, item.hints),
            etag=item.etag,
            last_modified=item.last_modified,
            hints=item.hints,
        )
        outcomes: list[Outcome] = []
        if not self._write(item.url, lambda s: outcomes.append(record_page(s, page, self.run_id))):
            return
        match outcomes[0]:
            case Outcome.NEW_ARTICLE:
                self.counts.new_articles += 1
                self.counts.new_versions += 1
            case Outcome.NEW_VERSION:
                self.counts.new_versions += 1
            case Outcome.UNCHANGED:
                self.counts.unchanged += 1

    def _fail(self, url: str, when: datetime, status: int | None, reason: str) -> None:
        self.counts.failed += 1
        self.counts.errors.append({"url": url, "reason": reason})
        logger.warning("failed %s: %s", url, reason)
        self._write(url, lambda s: record_failure(s, url, when, status, reason))

    def _write(self, url: str, work: Callable[[Any], object]) -> bool:
        """Run `work` in its own transaction; a database error fails this page, not the crawl."""
        try:
            with self.db.transaction() as session:
                work(session)
        except SQLAlchemyError as exc:
            reason = "database error: " + " ".join(str(getattr(exc, "orig", exc)).split())[:200]
            self.counts.failed += 1
            self.counts.errors.append({"url": url, "reason": reason})
            logger.error("could not store %s: %s", url, reason)
            return False
        return True


class StorePipeline:
    """Scrapy's end of the pipe: hands every item to the spider's PageSink."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        spider = self.crawler.spider
        assert isinstance(spider, SourceSpider)
        spider.sink.handle(item)
        return item


def _article_url(result: Extraction, fetched_url: str) -> str:
    """The page's own canonical link wins, if it is http(s) and on the same site."""
    canonical = result.canonical_url
    if canonical and is_http_url(canonical) and same_site(canonical, fetched_url):
        return canonicalize(canonical)
    return fetched_url


def _content(result: Extraction, hints: dict[str, Any]) -> PageContent:
    return PageContent(
        title=result.title or str(hints.get("title") or ""),
        text=result.text,
        authors=result.authors,
        published=_date(result.published) or _date(hints.get("published")),
        modified=_date(result.modified),
        language=result.language or hints.get("language"),
        site_name=result.site_name,
    )


def _date(value: Any) -> datetime | None:
    """An ISO date or datetime as an aware datetime; dates without a zone are taken as UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
