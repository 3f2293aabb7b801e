"""Why a request gave no page, in the one line the run summary shows (README: `errors`).

Scrapy's own messages name exception classes and repeat the URL; these name the problem, say
how many attempts were made (Scrapy retries timeouts and lost connections), and what the site
asked for when it answered 429 or 503 with Retry-After.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.protocols.basic import LineReceiver
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed

from crawler.addresses import PrivateAddressRefused
from crawler.browser import render_failure
from crawler.politeness import MAX_CRAWL_DELAY, PLAIN_ERRORS, RobotsUnavailable, retry_after


def status_reason(response: Response) -> str:
    """An error status ("HTTP 502"; a 5xx was retried first), or what a Retry-After asked for."""
    wait = retry_after(response)
    if wait is not None and wait > MAX_CRAWL_DELAY:
        return (
            f"HTTP {response.status}: the site asks to retry after {wait:.0f} s "
            "(not retried in this run)"
        )
    return f"HTTP {response.status}"


def failure_reason(failure: Failure, max_bytes: int) -> tuple[str, bool]:
    """A failed download in one line, and whether the URL was skipped by choice (robots.txt, a
    middleware's refusal) rather than failed by the site. A robots.txt that gave no answer is
    the site failing: an unreachable site must not look like a healthy one."""
    exc = failure.value
    if "during decompression" in str(exc):  # Content-Encoding: gzip past DOWNLOAD_MAXSIZE
        return f"larger than max_page_bytes ({max_bytes} bytes) when decompressed", False
    # Scrapy cancels a download past DOWNLOAD_MAXSIZE, announced (Content-Length) or streamed;
    # the streamed case carries no message at all.
    if isinstance(exc, DownloadCancelledError):
        return f"larger than max_page_bytes ({max_bytes} bytes)", False
    reason = _reason(failure)
    chosen = (
        isinstance(exc, IgnoreRequest)
        and not isinstance(exc, PrivateAddressRefused | RobotsUnavailable)
        and str(exc) != "max redirections reached"
    )
    return reason, chosen


def _reason(failure: Failure) -> str:
    exc = failure.value
    request = getattr(failure, "request", None)
    meta: dict[str, Any] = request.meta if request is not None else {}
    response = getattr(exc, "response", None)
    if isinstance(exc, HttpError) and response is not None and 300 <= response.status < 400:
        # Redirects to http(s) only are followed; the others are handed back unfollowed
        # (crawler.redirect_schemes).
        location = (response.headers.get(b"Location") or b"nowhere").decode("latin-1")
        return f"redirect to a non-http(s) URL refused: {location[:200]}"
    if isinstance(exc, PrivateAddressRefused):
        return str(exc)
    if isinstance(exc, IgnoreRequest) and str(exc) == "max redirections reached":
        return _redirects([*meta.get("redirect_urls", []), request.url if request else "?"])
    if isinstance(exc, RobotsUnavailable):  # already one plain line
        return str(exc)
    if isinstance(exc, DownloadTimeoutError):
        timeout = meta.get("download_timeout", 0)
        return f"no complete answer within the timeout ({timeout:g} s){attempts(meta)}"
    if rendered := render_failure(exc, meta):
        return rendered
    plain = next((text for kind, text in PLAIN_ERRORS.items() if isinstance(exc, kind)), None)
    if plain:
        return plain + attempts(meta)
    if isinstance(exc, DownloadFailedError) and isinstance(exc.__cause__, ResponseFailed):
        return _response_failed(exc.__cause__) + attempts(meta)
    message = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {message}"[:300]


def _response_failed(exc: ResponseFailed) -> str:
    """Twisted's list of failures behind a broken answer, as what happened.

    Twisted's HTTP client drops the connection itself, cleanly, on a header line over 16 KiB
    (a 100 kB ETag, a cookie bomb): that ConnectionDone, before any response, is the only trace
    it leaves, so the reason names both things it can be.
    """
    causes = [reason.value for reason in exc.reasons if isinstance(reason, Failure)]
    if causes and all(isinstance(cause, ConnectionDone) for cause in causes):
        return (
            "connection closed before the response headers ended "
            f"(a header line over {LineReceiver.MAX_LENGTH} bytes, or no answer at all)"
        )
    if any(isinstance(cause, ConnectionLost) for cause in causes):
        return "connection lost before the response headers ended"
    names = sorted({type(cause).__name__ for cause in causes}) or ["no reason given"]
    return "the response broke off: " + ", ".join(names)


def attempts(meta: dict[str, Any]) -> str:
    retries = int(meta.get("retry_times", 0))
    return f" (after {retries + 1} attempts)" if retries else ""


def _redirects(chain: list[str]) -> str:
    """A redirect chain that hit REDIRECT_MAX_TIMES: the loop in it, else its ends."""
    for end, url in enumerate(chain):
        if url in chain[:end]:
            loop = chain[chain.index(url) : end + 1]
            return "redirect loop: " + " -> ".join(u[:200] for u in loop)
    return f"too many redirects ({len(chain) - 1}): {chain[0][:200]} -> ... -> {chain[-1][:200]}"
