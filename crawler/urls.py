"""URL canonicalisation: one article, one URL, whatever links and campaigns point at it.

Campaign parameters are dropped by a list (`TRACKING_PARAMS`, documented in the README) that a
user extends with `[crawl] tracking_params`: a name (`ref`), a name prefix (`ktm_*`) or one
name=value pair (`f=rss`) for a parameter that means something else with other values.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from crawler.errors import InvalidURLError

# Query parameters that track a click or a feed and never change the page served.
TRACKING_PARAMS = (
    *("utm_*", "ktm_*", "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "mc_cid"),
    *("mc_eid", "igshid", "_ga", "_gl", "ref_src", "ref_url", "spm", "cmpid", "ocid"),
    *("wt.mc_id", "__twitter_impression", "share", "from", "scm", "sc_channel"),
    # Feed proxies and "via feed" markers: 36kr's `f=rss`, `source=rss`, `ref=feed`.
    *("f=rss", "source=rss", "source=feed", "src=rss", "ref=rss", "ref=feed", "feed=rss"),
)


@dataclass(frozen=True)
class Tracking:
    """Which query parameters a URL loses: names (case-insensitive, `*` globs) and pairs."""

    names: re.Pattern[str]
    pairs: frozenset[tuple[str, str]]

    def drops(self, name: str, value: str) -> bool:
        return bool(self.names.match(name)) or (name.lower(), value.lower()) in self.pairs


def tracking_rules(extra: Iterable[str] = ()) -> Tracking:
    """The built-in list plus `extra` entries (`name`, `prefix_*` or `name=value`)."""
    entries = [*TRACKING_PARAMS, *extra]
    globs = [entry for entry in entries if "=" not in entry]
    pairs = frozenset(
        (name.lower(), value.lower())
        for name, _, value in (entry.partition("=") for entry in entries if "=" in entry)
    )
    names = "|".join(fnmatch.translate(glob.lower()).removesuffix(r"\Z") for glob in globs)
    return Tracking(re.compile(f"^(?:{names})$", re.IGNORECASE), pairs)


DEFAULT_TRACKING = tracking_rules()
_DEFAULT_PORTS = {"http": 80, "https": 443}
# WHATWG's forbidden domain code points (C0 controls, space, DEL, "#%/:<>?@[\]^|"), less ":"
# inside an IPv6 literal: a browser refuses such a host, and w3lib would read "\" as "/".
# Checked after NFKC too, as IDNA maps "¸" to a space and a combining mark.
_BAD_HOST = re.compile(r"[\x00-\x20\x7f#%/<>?@\[\\\]^|]")


def _split(url: str) -> SplitResult | None:
    """The parts of a fetchable URL: http(s), a valid host and port, encodable as UTF-8."""
    try:
        url.encode("utf-8")  # a lone surrogate cannot be percent-encoded
        parts = urlsplit(url.strip())
        host, _port = parts.hostname, parts.port  # .port raises ValueError on a bad port
    except ValueError:  # UnicodeEncodeError is one
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not host:
        return None
    if _BAD_HOST.search(unicodedata.normalize("NFKC", host)) or (
        ":" in host and not _is_ipv6(host)
    ):
        return None
    return parts


def _is_ipv6(host: str) -> bool:
    return re.fullmatch(r"[0-9a-f:.]+", host) is not None


def is_http_url(url: str) -> bool:
    """Only http(s) URLs with a valid host and port are followed (no javascript:, file:, ...)."""
    return _split(url) is not None


def canonicalize(url: str, tracking: Tracking = DEFAULT_TRACKING) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters,
    sorted query: the key under which an article is stored and de-duplicated.

    InvalidURLError for anything ``is_http_url`` refuses; the result is an http(s) URL that
    canonicalises to itself.
    """
    parts = _split(url)
    if parts is None:
        raise InvalidURLError(f"not an http(s) URL with a valid host: {url!r}")
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not tracking.drops(k, v)
        ]
    )
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{parts.port}"
    cleaned = urlunsplit((parts.scheme.lower(), host, parts.path or "/", query, ""))
    from w3lib.url import canonicalize_url  # imported on use: a query command may need none

    return canonicalize_url(cleaned, keep_fragments=False)


def same_site(url: str, reference: str) -> bool:
    """True when both URLs belong to one registered domain (www.x.com and news.x.com do)."""
    from courlan.urlutils import get_tldinfo  # with its suffix list: 0.1 s, loaded on use

    domain, ref_domain = get_tldinfo(url)[1], get_tldinfo(reference)[1]
    if domain is None or ref_domain is None:  # IP addresses and local names: compare hosts
        return urlsplit(url).hostname == urlsplit(reference).hostname
    return bool(domain == ref_domain)
