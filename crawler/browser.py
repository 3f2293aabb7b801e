"""Sources only a browser can read (`render = "browser"`): pages loaded in headless Chromium.

JavaScript apps (ByteDance Seed, Z.ai) send an empty shell and build the article in the browser.
For such a source, scrapy-playwright's download handler loads the listing and the article pages
in Debian's chromium, waits for the network to go quiet and hands the DOM back as the response
body; from there the page goes through the same extraction, aliases and change rules as any
fetched page. Only the crawlers of such sources get the handler, so a crawl without one starts
no browser (nor Playwright's driver). robots.txt, the delay and the conditional headers are
Scrapy's, as for plain fetches: the navigation request carries Scrapy's headers.

What a page's scripts ask for (XHR, fetch, scripts, styles, frames) goes from Chromium itself,
not through Scrapy. Every such request passes `skip_resource` first: images, media and fonts
are never loaded, and a URL that a robots.txt the crawl has read disallows (the page's own
host's, always read before the page) is aborted. What does not hold for them: robots.txt of
other hosts (a CDN, an API elsewhere) is not fetched to judge them, and they keep no delay nor
per-host concurrency; they are the page's own load, once per rendered page.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from typing import Any, TypeVar

import scrapy

from crawler.config import BrowserConfig, CrawlConfig, SourceConfig
from crawler.errors import CrawlRunError
from crawler.politeness import robots_disallow

# What this machine's chromium needs to run headless in a container, without a sandbox or GPU,
# and without the background traffic (updates, sync, field trials) a crawler must not make.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# Resources the article text never depends on: not downloaded, so a page renders sooner.
SKIPPED_RESOURCES = frozenset({"image", "media", "font"})
S = TypeVar("S", bound=scrapy.Spider)
_HANDLER = "crawler.browser_pages.CappedHandler"


class BrowserMissingError(CrawlRunError):
    """A source asks for a browser and the configured executable is not there."""


def needs_browser(sources: Iterable[SourceConfig]) -> bool:
    return any(source.render == "browser" for source in sources)


def check_browser(browser: BrowserConfig) -> None:
    """Refuse the crawl in one line, before any fetch, when chromium cannot be started."""
    path = browser.executable
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise BrowserMissingError(
            f'render = "browser" needs Chromium, but {path} is not an executable file; '
            "install it (apt-get install chromium) or set [browser] executable"
        )


def browser_settings(crawl: CrawlConfig, browser: BrowserConfig) -> dict[str, Any]:
    """The Scrapy settings a render = "browser" source's crawler adds to the plain ones."""
    timeout_ms = crawl.timeout * 1000
    return {
        "DOWNLOAD_HANDLERS": {"http": _HANDLER, "https": _HANDLER},
        "LABSCOPE_BROWSER_PAGES": browser.pages,
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": browser.executable,
            "headless": True,
            "args": list(CHROMIUM_FLAGS),
            "timeout": timeout_ms,
        },
        # One context per source; `pages` across all of them is CappedHandler's.
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": browser.pages,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_ms,
        "PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER": True,
        "PLAYWRIGHT_ABORT_REQUEST": "crawler.browser.skip_resource",
    }


class OneLineLog(logging.Filter):
    """scrapy-playwright logs a failed page with its traceback and Playwright's call log;
    with --verbose the user reads one line per page, and the run summary has the reason."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = (record.getMessage().splitlines() or [""])[0]
        record.args, record.exc_info, record.exc_text = (), None, None
        return True


_PLAYWRIGHT_LOG = logging.getLogger("scrapy-playwright")


def rendering(spider: type[S], crawl: CrawlConfig, browser: BrowserConfig) -> type[S]:
    """`spider` with the browser's settings as its own (Scrapy reads a spider's
    custom_settings into its crawler alone: other sources' crawlers keep the plain handler)."""
    if not any(isinstance(f, OneLineLog) for f in _PLAYWRIGHT_LOG.filters):
        _PLAYWRIGHT_LOG.addFilter(OneLineLog())
    own = {**(spider.custom_settings or {}), **browser_settings(crawl, browser)}
    return type(spider.__name__, (spider,), {"custom_settings": own})


def render_meta(source: SourceConfig, timeout: float) -> dict[str, Any]:
    """Request meta that sends a request through the browser (none for a plain source): the
    DOM is read once the network has been quiet for 500 ms, or the page fails at `timeout`."""
    if source.render != "browser":
        return {}
    goto = {"wait_until": "networkidle", "timeout": timeout * 1000}
    return {"playwright": True, "playwright_page_goto_kwargs": goto}


def skip_resource(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST, asked of every request a page makes: images, media and fonts
    are not downloaded, and neither is what a robots.txt the crawl read disallows."""
    return str(request.resource_type) in SKIPPED_RESOURCES or robots_disallow(str(request.url))


def render_failure(exc: BaseException | None, meta: dict[str, Any]) -> str | None:
    """A browser failure in one line (Playwright's own messages run to dozens of log lines),
    None for any other failure. Told apart by module, so a plain crawl never imports Playwright."""
    if not type(exc).__module__.startswith("playwright"):
        return None
    if type(exc).__name__ == "TimeoutError":
        timeout = meta.get("playwright_page_goto_kwargs", {}).get("timeout", 0) / 1000
        return f"the page did not finish loading in the browser within the timeout ({timeout:g} s)"
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return f"browser: {first}"[:300]
