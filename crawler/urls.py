"""URL canonicalisation: one article, one URL, whatever links and campaigns point at it."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan.urlutils import get_tldinfo
from w3lib.url import canonicalize_url

# Query parameters that track a click and never change the page served.
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|gclsrc|dclid|msclkid|yclid|mc_cid|mc_eid|igshid|_ga|_gl|"
    r"ref_src|ref_url|spm|cmpid|ocid|wt\.mc_id|__twitter_impression|share|from)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_http_url(url: str) -> bool:
    """Only http(s) URLs with a host are ever followed (no javascript:, file:, data:, ...)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.hostname)


def canonicalize(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters,
    sorted query: the key under which an article is stored and de-duplicated."""
    parts = urlsplit(url.strip())
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        ]
    )
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{parts.port}"
    cleaned = urlunsplit((parts.scheme.lower(), host, parts.path or "/", query, ""))
    return canonicalize_url(cleaned, keep_fragments=False)


def same_site(url: str, reference: str) -> bool:
    """True when both URLs belong to one registered domain (www.x.com and news.x.com do)."""
    domain, ref_domain = get_tldinfo(url)[1], get_tldinfo(reference)[1]
    if domain is None or ref_domain is None:  # IP addresses and local names: compare hosts
        return urlsplit(url).hostname == urlsplit(reference).hostname
    return bool(domain == ref_domain)
