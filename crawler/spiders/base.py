"""What every spider shares: how an article URL is requested, and what its response becomes."""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, Self

import scrapy
from lxml import etree
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip
from twisted.python.failure import Failure

from crawler.browser import render_meta
from crawler.charsets import decode_html
from crawler.claims import Claims, ValidatorLookup
from crawler.config import SourceConfig
from crawler.items import PageFailed, PageFetched, PageSkipped, PageUnchanged
from crawler.refresh import REFRESH_HINT
from crawler.spiders.reasons import failure_reason, status_reason
from crawler.urls import canonicalize, is_http_url
from storage.fetch_states import Validators

# Statuses the spider wants to see itself instead of having them filtered out; 3xx are followed.
HANDLED_STATUSES = [304, *range(400, 600)]
# The articles.url column's size: longer URLs are session junk, not articles.
MAX_URL_LENGTH = 2048
# The fetch_states.etag and .last_modified columns' size (storage/models.py).
MAX_VALIDATOR_LENGTH = 512

LOOKUP_BATCH = 200
Item = PageFetched | PageUnchanged | PageFailed | PageSkipped
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
ENTITIES_REFUSED = "XML entity declarations refused (entity expansion and external entities)"


class SourceSpider(scrapy.Spider):
    """A spider for one configured source; subclasses only discover article URLs.

    At most `max_articles` article URLs are fetched per run (a listing of 100,000 links is
    otherwise 100,000 fetches). URLs never fetched go first; URLs already in the archive are
    held until discovery is over (the spider goes idle) and take what is left of the cap. The
    rest are left for the next run, where they are new URLs, ahead of those fetched now.
    """

    capped = True  # RecheckSpider: its URLs are already chosen by the recheck schedule

    def __init__(
        self,
        source: SourceConfig,
        sink: Claims,
        validators: ValidatorLookup,
        max_bytes: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=f"{self.name}:{source.name}", **kwargs)
        self.source = source
        self.sink = sink
        self.validators = validators
        self.max_bytes = max_bytes
        self.tracking = sink.config.crawl.tracking
        # The request meta that sends this source's pages through the browser, or nothing.
        self.render = render_meta(source, sink.config.crawl.timeout)
        self.cap = source.max_articles or sink.config.crawl.max_articles
        self.budget = self.cap  # article requests this run may still make
        self.held: list[scrapy.Request] = []  # archived URLs, requested once discovery is over
        self.left = 0  # article URLs beyond the cap, left for the next run

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.release_held, signal=signals.spider_idle)
        return spider

    def release_held(self) -> None:
        """Discovery is over: request the held archived URLs the cap has room for."""
        held, self.held = self.held, []
        room, self.left = held[: self.budget], self.left + max(0, len(held) - self.budget)
        self.budget -= len(room)
        if self.left:
            self.sink.counts.note(
                self.source.name,
                self.source.url,
                f"{self.left} article URLs left for the next run (max_articles = {self.cap})",
            )
            self.left = 0
        if room:
            for request in room:
                self.crawler.engine.crawl(request)
            raise DontCloseSpider

    def discovery_request(self, url: str, callback: Callable[..., Any]) -> scrapy.Request:
        """A request for a feed, sitemap or listing page: never conditional, always parsed.
        Feeds and sitemaps are data, never rendered; a listing is, when its source asks."""
        rendered = self.render if self.source.kind == "listing" else {}
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            meta={"handle_httpstatus_list": HANDLED_STATUSES, "discovery": True, **rendered},
            dont_filter=True,
        )

    def article_requests(
        self, entries: Iterable[tuple[str, dict[str, Any]]]
    ) -> Iterator[scrapy.Request | PageSkipped]:
        """Conditional requests for the (url, hints) pairs a discovery page listed; what the
        archive knows of them is looked up LOOKUP_BATCH URLs at a time, not one query each."""
        batch: list[tuple[str, dict[str, Any]]] = []
        for url, hints in entries:
            if not is_http_url(url):
                yield PageSkipped(self.source.name, url, "not an http(s) URL")
                continue
            url = canonicalize(url, self.tracking)
            if len(url) > MAX_URL_LENGTH:
                yield PageSkipped(self.source.name, url[:200], f"URL longer than {MAX_URL_LENGTH}")
                continue
            if self.sink.claim(url, self.source.name):
                batch.append((url, hints))
            if len(batch) >= LOOKUP_BATCH:
                yield from self._conditional(batch)
                batch = []
        yield from self._conditional(batch)

    def _conditional(self, batch: list[tuple[str, dict[str, Any]]]) -> Iterator[scrapy.Request]:
        known = self.validators([url for url, _ in batch]) if batch else {}
        for url, hints in batch:
            state = known.get(url)
            request = self._request(url, hints, state)
            if not self.capped:
                yield request
            elif state is not None:
                self.held.append(request)
            elif self.budget > 0:
                self.budget -= 1
                yield request
            else:
                self.left += 1

    def _request(self, url: str, hints: dict[str, Any], state: Validators | None) -> scrapy.Request:
        """The conditional request for an article URL, with what the archive knows of it."""
        headers = {}
        # A rendered page is asked for whole: its validators describe the HTML shell, not
        # what its scripts fetch (and Chromium aborts a navigation answered 304). Whether
        # it changed is decided on the DOM the browser built: its hash, then its text.
        if state and state.etag and not self.render:
            headers["If-None-Match"] = state.etag
        if state and state.last_modified and not self.render:
            headers["If-Modified-Since"] = state.last_modified
        return scrapy.Request(
            url,
            headers=headers,
            callback=self.parse_article,
            errback=self.on_error,
            # claim() already fetches each URL once; Scrapy's duplicate filter would also
            # drop, unrecorded, a redirect to a URL already fetched (and hide loops).
            dont_filter=True,
            meta={
                "handle_httpstatus_list": HANDLED_STATUSES,
                "hints": hints,
                "known_sha256": state.html_sha256 if state else None,
                **self.render,
            },
        )

    def parse_article(self, response: Response) -> Iterator[Item]:
        now = datetime.now(UTC)
        url = _asked_for(response)
        if response.status == 304:
            yield PageUnchanged(self.source.name, url, now, 304)
            return
        if failed := self.failed_response(response):
            yield failed
            return
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        if not isinstance(response, TextResponse) or not _may_be_html(content_type):
            yield self.failed(response, f"not an HTML page ({content_type or 'binary'})")
            return
        if hashlib.sha256(response.body).hexdigest() == response.meta.get("known_sha256"):
            yield PageUnchanged(self.source.name, url, now, response.status)
            return
        decoded = decode_html(response.body, content_type)
        yield PageFetched(
            source=self.source.name,
            url=url,
            final_url=canonicalize(response.url, self.tracking),
            fetched_at=now,
            body=response.body,
            html=decoded.text,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            hints=_hints(response),
            charset_note=decoded.note,
        )

    def failed(self, response: Response, reason: str) -> PageFailed:
        """The record of a response that gave no article (or no usable discovery page)."""
        url = _asked_for(response)
        discovery = bool(response.meta.get("discovery"))
        return PageFailed(
            self.source.name, url, datetime.now(UTC), response.status, reason, discovery
        )

    def failed_response(self, response: Response) -> PageFailed | None:
        """A PageFailed for an error status, else None."""
        return self.failed(response, status_reason(response)) if response.status >= 400 else None

    def discovery_body(self, response: Response) -> bytes | PageFailed:
        """A feed's or sitemap's body, gunzipped when a .gz file arrives without
        Content-Encoding (never past max_page_bytes: a gzip bomb stops there), or why not
        (an error status among the reasons).
        XML that declares entities is refused whole: feeds and sitemaps never need them, and
        they are how billion-laughs bombs and external-entity (XXE) reads work."""
        if failed := self.failed_response(response):
            return failed
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.max_bytes)
            except ValueError:  # scrapy's _DecompressionMaxSizeExceeded
                reason = f"larger than max_page_bytes ({self.max_bytes} bytes) when decompressed"
                return self.failed(response, reason)
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                return self.failed(response, f"not a readable gzip file ({exc})"[:300])
        if _declares_entities(body):
            return self.failed(response, ENTITIES_REFUSED)
        return body

    def on_error(self, failure: Failure) -> Iterator[Item]:
        request = getattr(failure, "request", None)
        # The URL that was asked for, not the last one a redirect led to.
        url = (
            (request.meta.get("redirect_urls") or [request.url])[0] if request else self.source.url
        )
        reason, chosen = failure_reason(failure, self.max_bytes)
        if chosen:
            yield PageSkipped(self.source.name, url, reason)
            return
        discovery = bool(request is not None and request.meta.get("discovery"))
        yield PageFailed(self.source.name, url, datetime.now(UTC), None, reason, discovery)


def _declares_entities(body: bytes) -> bool:
    """The document's DTD declares entities; "<!ENTITY" in a CDATA section (an article about
    XXE) is no declaration. Unparsable XML that holds the string is refused all the same."""
    if not _ENTITY_DECLARATION.search(body):
        return False
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        return True
    if root is None:
        return True
    dtd = root.getroottree().docinfo.internalDTD
    return dtd is not None and any(True for _ in dtd.iterentities())


def _asked_for(response: Response) -> str:
    """The URL that was requested, before any redirect: the fetch state (validators, HTML hash)
    is kept under it, so the next request for it is conditional and follows the redirect with
    the validators (a feed's tracking link, a moved page). The article is the final page's."""
    redirects = response.meta.get("redirect_urls")
    if redirects:
        return str(redirects[0])
    return response.request.url if response.request else response.url


def _hints(response: Response) -> dict[str, Any]:
    """What discovery said about the page, and the refresh it carries when that was not
    followed (crawler.refresh): kept in the version's hints."""
    hints: dict[str, Any] = response.meta.get("hints", {})
    refresh = response.meta.get(REFRESH_HINT)
    return {**hints, REFRESH_HINT: refresh} if refresh else hints


def _may_be_html(content_type: str) -> bool:
    """Sites mislabel HTML often, but never as PDF, image, audio, video or an archive."""
    kind = content_type.split(";")[0].strip().lower()
    return not kind or kind.startswith("text/") or "html" in kind or "xml" in kind


def _header(response: Response, name: bytes) -> str | None:
    """A validator header (ETag, Last-Modified), or None when it is too long to be one.

    It was cut to 500 characters, then sent back cut: an If-None-Match that can never match.
    """
    value = response.headers.get(name)
    if not value or len(value) > MAX_VALIDATOR_LENGTH:
        return None
    return value.decode("latin-1")
