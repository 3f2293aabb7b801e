"""``<meta http-equiv=refresh>`` as a browser honours it: a redirect only for a stub.

Scrapy's MetaRefreshMiddleware follows every refresh shorter than METAREFRESH_MAXDELAY (100 s)
and reads the URL with w3lib, which takes Qwen's ``url=&#34;https://qwen.ai/research&#34;`` for
the page itself (crawler.extraction.refresh says why): every page of Qwen's blog then
"redirected" to itself until the crawl gave up with a redirect loop, listing and articles lost.
A delayed refresh on a page with content is the page asking to be reloaded or replaced later;
the page is what the reader sees, so it is extracted as it is and the refresh is kept in the
version's hints (``refresh``: delay and URL). A refresh is followed like a redirect only when
it goes to another page of the same site, at once or from a stub with no text of its own; a
stub sending readers to another site is refused by extraction, naming where it sends them.
"""

from __future__ import annotations

import re
from typing import Any

from lxml.html import document_fromstring
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Response

from crawler.extraction.kinds import is_stub
from crawler.extraction.refresh import find_refresh
from crawler.urls import is_http_url, same_site

_MAY_REFRESH = re.compile(rb"http-equiv\s*=\s*[\"']?\s*refresh", re.IGNORECASE)
REFRESH_HINT = "refresh"
"""The request meta key (and version hint) holding a refresh that was not followed."""


class StubRefresh(MetaRefreshMiddleware):
    """Scrapy's MetaRefreshMiddleware, but for stubs only and with the URL read correctly."""

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if (
            request.meta.get("dont_redirect", False)
            or request.method == "HEAD"
            or not isinstance(response, HtmlResponse)
            or not _MAY_REFRESH.search(response.body)
        ):
            return response
        try:
            tree = document_fromstring(response.text)
        except ValueError:  # lxml: "Document is empty" and the like
            return response
        refresh = find_refresh(tree, response.url)
        if refresh is None:
            return response
        target = refresh.url
        if (
            target is not None
            and is_http_url(target)
            and same_site(target, response.url)
            and refresh.delay < self._maxdelay
            and (refresh.delay == 0 or is_stub(tree))
        ):
            redirected = self._redirect_request_using_get(request, response, target)
            return self._redirect(redirected, request, "meta refresh")
        request.meta[REFRESH_HINT] = refresh.hint()
        return response
