"""Feed parsing: RSS 0.9x/1.0/2.0 and Atom through feedparser (which tolerates broken feeds),
JSON Feed by hand (feedparser 6.0 does not read it).

Repairs on top of feedparser, each for a way real feeds break: items nested inside other items
(feedparser keeps only the innermost: lxml finds the rest), dates in other languages (feedparser
reads "2025年1月28日" as November 1st: dates are parsed here), and titles encoded twice.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from lxml import etree

from crawler.dates import iso_datetime, storable

_LINK_TAG = re.compile(rb"<link\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(
    rb"""([a-z][a-z-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE
)
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")


@dataclass(frozen=True)
class FeedEntry:
    """One item: its link and what the feed says about it (kept as hints)."""

    url: str
    title: str | None = None
    published: datetime | None = None


@dataclass(frozen=True)
class FeedResult:
    entries: list[FeedEntry]
    error: str | None = None
    alternate: str | None = None  # the feed an HTML page links to, when it is not a feed itself


def parse_feed(body: bytes, url: str, content_type: str = "") -> FeedResult:
    """Entries of the feed in `body` (fetched from `url`); `error` says why there are none."""
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start:
        return FeedResult([], "empty answer: no feed in it")
    if start.startswith(b"{"):
        return _parse_json_feed(body, url)
    parsed = feedparser.parse(
        body, response_headers={"content-location": url, "content-type": content_type}
    )
    entries = [
        FeedEntry(
            url=urljoin(url, entry["link"]),
            title=unmojibake(entry.get("title") or "") or None,
            # dict.get: FeedParserDict's own lookup maps updated to published with a warning
            published=feed_date(dict.get(entry, "published") or dict.get(entry, "updated")),
        )
        for entry in parsed.entries
        if entry.get("link")
    ]
    if entries or parsed.get("version"):
        known = {entry.url for entry in entries}
        return FeedResult(entries + [e for e in _nested_items(body, url) if e.url not in known])
    alternate = advertised_feed(body, url)
    if alternate:
        error = f"not a feed, but the page links to the feed {alternate}: use that URL"
        return FeedResult([], error, alternate)
    reason = parsed.get("bozo_exception") or "no RSS, Atom or JSON Feed found"
    return FeedResult([], f"not a readable feed ({_one_line(reason)})")


def _parse_json_feed(body: bytes, url: str) -> FeedResult:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return FeedResult([], f"not a readable JSON Feed ({_one_line(exc)})")
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list):
        return FeedResult([], 'not a JSON Feed (no "items" list)')
    entries = []
    for item in items:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        if isinstance(link, str) and link:
            entries.append(
                FeedEntry(
                    url=urljoin(url, link),
                    title=unmojibake(_str_or_none(item.get("title")) or "") or None,
                    published=iso_datetime(item.get("date_published")),
                )
            )
    return FeedResult(entries)


def advertised_feed(body: bytes, url: str) -> str | None:
    """The first feed an HTML page names in a `<link rel="alternate" type="application/rss+xml">`
    (or Atom, or JSON Feed) among its first 200 kB, absolute; None when it names none."""
    for tag in _LINK_TAG.finditer(body[:200_000]):
        attributes = {
            match[1].decode("ascii").lower(): html.unescape(
                (match[2] or match[3] or match[4] or b"").decode("utf-8", "replace")
            ).strip()
            for match in _ATTRIBUTE.finditer(tag[0])
        }
        rel = attributes.get("rel", "").lower().split()
        kind = attributes.get("type", "").split(";")[0].strip().lower()
        href = attributes.get("href", "")
        if "alternate" in rel and kind in FEED_TYPES and href:
            absolute = urljoin(url, href)
            if absolute.lower().startswith(("http://", "https://")):
                return absolute
    return None


def _nested_items(body: bytes, url: str) -> list[FeedEntry]:
    """Items at any depth, read by lxml: feedparser drops an item holding another one."""
    parser = etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, remove_comments=True
    )
    try:
        root = etree.fromstring(body, parser=parser, base_url=url)
    except (etree.XMLSyntaxError, ValueError):
        return []
    entries = []
    for item in root.iter("{*}item", "{*}entry") if root is not None else ():
        fields = {etree.QName(child).localname: child for child in item if _is_element(child)}
        link = fields.get("link")
        href = (link.get("href") or link.text or "").strip() if link is not None else ""
        if href:
            entries.append(
                FeedEntry(
                    url=urljoin(item.base or url, href),
                    title=_child_text(fields, "title"),
                    published=feed_date(_child_text(fields, "pubDate", "published", "updated")),
                )
            )
    return entries


def _is_element(node: Any) -> bool:
    return isinstance(node.tag, str)


def _child_text(fields: dict[str, Any], *names: str) -> str | None:
    """The text an element holds before any child element of it, of the first name present."""
    texts = (fields[name].text for name in names if name in fields)
    return next((text.strip() for text in texts if text and text.strip()), None)


def feed_date(value: str | None) -> datetime | None:
    """A feed's date as written: RFC 822 (weekday optional), ISO 8601, else in any language
    dateparser reads ("Di, 28 Jan 2025", "2025年1月28日"); None when it is no date."""
    if not value or not value.strip():
        return None
    moment: datetime | None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        moment = iso_datetime(value) or _any_language(value)
    if moment is None:
        return None
    aware = storable(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return aware.astimezone(UTC) if aware else None


def _any_language(value: str) -> datetime | None:
    # Imported here: loading its languages takes a second, needed for odd dates only.
    import dateparser

    settings = {"TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True}
    moment = dateparser.parse(value[:100], settings=settings)
    return moment if isinstance(moment, datetime) else None


_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152-\u2122]")


def unmojibake(text: str) -> str:
    """UTF-8 text that was decoded as windows-1252 and encoded again ("DeepSeekâ€™s"), repaired;
    any other text as it is. Genuine windows-1252 text seldom forms valid UTF-8 when encoded."""
    if not _MOJIBAKE.search(text):
        return text
    try:
        raw = b"".join(_cp1252_byte(char) for char in text)
        return raw.decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _cp1252_byte(char: str) -> bytes:
    try:
        return char.encode("cp1252")
    except UnicodeEncodeError:  # the five bytes windows-1252 leaves undefined map to C1 controls
        return char.encode("latin-1")


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:200]
