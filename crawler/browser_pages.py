"""`[browser] pages` across the whole crawl: at most that many pages rendered at once.

Each render = "browser" source's crawler has its own scrapy-playwright handler (and browser),
whose PLAYWRIGHT_MAX_PAGES_PER_CONTEXT caps that source alone: two such sources rendered twice
`pages`. Every handler here waits on one semaphore of the process (all crawlers share the
reactor's event loop) before it opens a page; the page is closed before the slot is given back.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy.http import Request, Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

_slots: asyncio.Semaphore | None = None


def _pages(limit: int) -> asyncio.Semaphore:
    """The process's semaphore, made in the running loop on first use."""
    global _slots
    if _slots is None:
        _slots = asyncio.Semaphore(limit)
    return _slots


class CappedHandler(ScrapyPlaywrightDownloadHandler):  # type: ignore[misc]
    """scrapy-playwright's handler, rendering a page only while a crawl-wide slot is free."""

    async def _download_request(self, request: Request, spider: Any = None) -> Response:
        limit = int(self._crawler.settings.getint("LABSCOPE_BROWSER_PAGES", 2))
        async with _pages(limit):
            response: Response = await super()._download_request(request, spider)
            return response
