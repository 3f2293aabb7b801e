"""Redirects to another scheme are handed back unfollowed, whatever the Location looks like.

Scrapy's RedirectMiddleware refuses a redirect to ftp: or file: by handing the 3xx back, but it
builds the new Request first: a Location without "//" (`javascript:alert(1)`, `mailto:x`,
`data:,`) made that raise ValueError("Missing scheme"), and the page failed as an internal
error. Seen before RedirectMiddleware (600), such a response is marked not to be redirected, so
every scheme ends as one refusal (crawler.spiders.reasons words it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.http import Response


class OnlyHttpRedirects:
    """Marks a 3xx whose Location is not an http(s) URL `dont_redirect`."""

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            target = urljoin(request.url, location.decode("latin-1").strip())
            if urlsplit(target).scheme.lower() not in {"http", "https"}:
                request.meta["dont_redirect"] = True
        return response
