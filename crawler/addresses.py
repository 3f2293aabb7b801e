"""Server-side request forgery: no source may send the crawler into an internal network.

A page, a feed link or a redirect naming ``http://169.254.169.254/`` (a cloud's metadata
service), ``http://10.0.0.1/`` or ``http://127.0.0.1:6379/`` would otherwise be fetched from
inside the machine running labscope, and what came back stored as an article anyone with the
archive can read. Every request's host is resolved and its address classed (loopback, link-local,
private); a request into a class is refused unless the source's own URL is in that same class (the
demo site, tests, an intranet news page: a source on 127.0.0.1 may follow links and redirects
to other 127.0.0.1 ports, never to 10.x). ``[crawl] allow_private = true`` lets every source
reach every address.

The check is a downloader middleware placed before robots.txt, so it also sees the Requests
Scrapy's RedirectMiddleware builds: they go through the downloader middlewares again.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached

ALLOW_PRIVATE = "LABSCOPE_ALLOW_PRIVATE"
"""The Scrapy setting carrying ``[crawl] allow_private``."""

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddressRefused(IgnoreRequest):
    """A request into an internal address: a failure of the source (it sent us there), so the
    reason is kept in the run's errors rather than counted as a choice of ours."""


def address_class(address: Address) -> str | None:
    """``"loopback"``, ``"link-local"``, ``"private"`` or None for a public address.
    Loopback and link-local come first: Python counts both as private too."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private or address.is_unspecified or address.is_reserved:
        return "private"
    return None


def resolve(host: str) -> list[Address]:
    """Every address `host` names (a literal is itself); none when it does not resolve, so the
    download fails with the usual "host name not found"."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def refusal(url: str, addresses: list[Address], allowed: set[str]) -> str | None:
    """Why `url` (resolving to `addresses`) must not be fetched, or None. `allowed` holds the
    classes the source's own URL is in."""
    for address in addresses:
        kind = address_class(address)
        if kind is not None and kind not in allowed:
            host = urlsplit(url).hostname or "?"
            shown = host if host == str(address) else f"{host} is {address}"
            return (
                f"{kind} address refused: {url[:200]} ({shown}); only a source on a {kind} "
                "address may fetch one, or set [crawl] allow_private = true"
            )
    return None


class PrivateAddresses:
    """Refuses requests into internal addresses the source has no business in (the module)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.allow_all: bool = crawler.settings.getbool(ALLOW_PRIVATE)
        self.addresses: dict[str, list[Address]] = {}  # host -> addresses, once per crawl
        self.allowed: set[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddresses:
        return cls(crawler)

    def _resolve(self, host: str) -> list[Address]:
        if host not in self.addresses:
            self.addresses[host] = resolve(host)
        return self.addresses[host]

    def _allowed(self) -> set[str]:
        """The classes of the source's own URL: what its links and redirects may reach."""
        if self.allowed is None:
            source: Any = getattr(getattr(self.crawler.spider, "source", None), "url", None)
            host = urlsplit(source).hostname if isinstance(source, str) else None
            found = (address_class(a) for a in self._resolve(host)) if host else ()
            self.allowed = {kind for kind in found if kind is not None}
        return self.allowed

    def process_request(self, request: Request) -> None:
        if self.allow_all:
            return
        host = urlparse_cached(request).hostname
        if not host:
            return
        why = refusal(request.url, self._resolve(host), self._allowed())
        if why is None:
            return
        if request.meta.get("redirect_urls"):
            why = f"redirect to a {why}"
        raise PrivateAddressRefused(why)
