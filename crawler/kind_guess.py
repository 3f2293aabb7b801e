"""Which kind of source a URL is, read from its answer: what `labscope try` does without --kind.

The guess uses the parsers a crawl uses (crawler.feeds, crawler.sitemaps), so a URL guessed a
feed is one the feed spider reads. An HTML page is a feed when it links one (autodiscovery),
else a listing whose `follow` is derived from the URL: links below the page's own folder.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from posixpath import dirname
from urllib.parse import urlsplit

from crawler.config import SourceKind
from crawler.feeds import parse_feed
from crawler.sitemaps import parse_sitemap

_SPACE = b"\xef\xbb\xbf \t\r\n"
MAX_KEYS = 8  # top-level keys of a JSON answer named in the hint for --links


@dataclass(frozen=True)
class Guess:
    """The kind guessed and why, or (kind None) why none could be: a line for the user."""

    kind: SourceKind | None
    reason: str
    follow: re.Pattern[str] | None = None  # a guessed listing's
    url: str | None = None  # the feed a page links to, the better URL for the source


def guess_kind(body: bytes, content_type: str, url: str) -> Guess:
    """The kind of source `body` (the answer of `url`) is."""
    mime = content_type.split(";")[0].strip().lower()
    start = body.lstrip(_SPACE)
    if "json" in mime or start[:1] in (b"{", b"["):
        if not parse_feed(body, url, content_type).error:
            return Guess("feed", "the answer is a JSON Feed")
        return Guess(None, _json_hint(start))
    sitemap = parse_sitemap(body, url)
    if sitemap is not None:
        index = sitemap.kind == "sitemapindex"
        return Guess("sitemap", f"the answer is a {'sitemap index' if index else 'sitemap'}")
    feed = parse_feed(body, url, content_type)
    if not feed.error:
        return Guess("feed", "the answer is an RSS or Atom feed")
    if feed.alternate:
        return Guess("feed", f"the page links to a feed, {feed.alternate}", url=feed.alternate)
    follow = derived_follow(url)
    reason = f"the answer is an HTML page that links no feed: its links below {follow.pattern}"
    return Guess("listing", reason, follow=follow)


def derived_follow(url: str) -> re.Pattern[str]:
    """Links below the page's folder: /news/ and /news/index.html give /news/..., /blog gives
    /blog/...; a listing's articles usually live there, and --follow says better."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if not path.endswith("/"):
        last = path.rsplit("/", 1)[-1]
        path = dirname(path).rstrip("/") + "/" if "." in last else path + "/"
    return re.compile("^" + re.escape(f"{parts.scheme}://{parts.netloc}{path}") + ".+")


def _json_hint(start: bytes) -> str:
    """What to pass for a JSON answer: links are picked by an expression only the user knows."""
    fix = 'pass --links "<JMESPath yielding URLs or objects with a url>"'
    try:
        document = json.loads(start.decode("utf-8", "replace"))
    except json.JSONDecodeError:
        return f"the answer says it is JSON but does not parse; {fix} only if it should"
    if isinstance(document, dict) and document:
        keys = ", ".join(list(document)[:MAX_KEYS])
        return f"the answer is JSON (top-level keys: {keys}); {fix}"
    shape = "a list" if isinstance(document, list) else "JSON"
    return f"the answer is {shape}; {fix}, such as --links '[*]'"
