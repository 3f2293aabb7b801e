"""``<meta http-equiv=refresh>``, read the way a browser reads it.

w3lib (and so Scrapy's MetaRefreshMiddleware) decodes character references in the whole tag
before it splits the attributes. Qwen's blog writes its target quoted with references,
``content="5; url=&#34;https://qwen.ai/research&#34;"``: decoded first, the attribute ends at
the first ``&#34;``, the URL is empty, and w3lib 2.5 resolves it to the page itself, which
Scrapy then fetches again and again until it reports a redirect loop. Here the HTML parser
decodes the attribute value, and the value is read by the HTML standard's "shared
declarative refresh steps": a delay, then an optional ``url=`` and a quoted or bare URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml.html import HtmlElement

_DELAY = re.compile(r"\s*(\d*)(\.[\d.]*)?")
_URL_KEY = re.compile(r"url\s*(=\s*)?", re.IGNORECASE)
_SEPARATORS = "\t\n\f\r ;,"


@dataclass(frozen=True)
class MetaRefresh:
    """A page's refresh: after ``delay`` seconds, load ``url`` (None: the page itself)."""

    delay: float
    url: str | None

    def hint(self) -> dict[str, object]:
        """What is kept in a version's hints when the refresh is not followed."""
        return {"delay": self.delay, "url": self.url}


def parse_refresh(content: str, page_url: str) -> MetaRefresh | None:
    """The refresh a ``content`` value declares, its URL made absolute; None if malformed.

    A URL naming the page itself (fragments aside) is None: a reload, never a redirect."""
    match = _DELAY.match(content)
    if match is None or (not match.group(1) and not match.group(2)):
        return None
    delay = float(match.group(1) or 0)
    rest = content[match.end() :]
    if rest and rest[0] not in _SEPARATORS:
        return None
    rest = rest.lstrip(_SEPARATORS)
    key = _URL_KEY.match(rest)
    if key and key.group(1) is not None:  # without "=", "url..." is the URL itself
        rest = rest[key.end() :]
    rest = rest.strip()
    if rest[:1] in ("'", '"'):
        quote, rest = rest[0], rest[1:]
        rest = rest.split(quote, 1)[0]
    if not rest:
        return MetaRefresh(delay, None)
    try:
        target = urljoin(page_url, rest.strip())
    except ValueError:  # a malformed host, e.g. "http://[::1"
        return None
    return MetaRefresh(delay, None if _same_page(target, page_url) else target)


def find_refresh(tree: HtmlElement, page_url: str) -> MetaRefresh | None:
    """The first well-formed refresh the page declares, inside ``<noscript>`` too: labscope runs
    no scripts, so it is the reader a ``<noscript>`` refresh was written for."""
    for meta in tree.iter("meta"):
        if (meta.get("http-equiv") or "").strip().lower() != "refresh":
            continue
        refresh = parse_refresh(meta.get("content") or "", page_url)
        if refresh is not None:
            return refresh
    return None


def _same_page(target: str, page_url: str) -> bool:
    def bare(url: str) -> str:
        parts = urlsplit(url)
        return urlunsplit(
            (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
        )

    try:
        return bare(target) == bare(page_url)
    except ValueError:
        return False
