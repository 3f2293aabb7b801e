"""Feed parsing: RSS 0.9x/1.0/2.0 and Atom through feedparser (which tolerates broken feeds),
JSON Feed by hand (feedparser 6.0 does not read it)."""

from __future__ import annotations

import calendar
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from crawler.dates import iso_datetime

_ALTERNATE = re.compile(
    rb"<link[^>]+type=[\"']application/(?:rss|atom)\+xml[\"'][^>]*>", re.IGNORECASE
)
_HREF = re.compile(rb"href=[\"']([^\"']+)[\"']", re.IGNORECASE)


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


def parse_feed(body: bytes, url: str, content_type: str = "") -> FeedResult:
    """Entries of the feed in `body` (fetched from `url`); `error` says why there are none."""
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return _parse_json_feed(body, url)
    parsed = feedparser.parse(
        body, response_headers={"content-location": url, "content-type": content_type}
    )
    entries = [
        FeedEntry(
            url=urljoin(url, entry["link"]),
            title=entry.get("title") or None,
            # dict.get: FeedParserDict's own lookup maps updated to published with a warning
            published=_struct_to_datetime(
                dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
            ),
        )
        for entry in parsed.entries
        if entry.get("link")
    ]
    if entries or parsed.get("version"):
        return FeedResult(entries)
    alternate = _advertised_feed(body, url)
    if alternate:
        return FeedResult(
            [], f"not a feed, but the page links to the feed {alternate}: use that URL"
        )
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
                    title=_str_or_none(item.get("title")),
                    published=iso_datetime(item.get("date_published")),
                )
            )
    return FeedResult(entries)


def _advertised_feed(body: bytes, url: str) -> str | None:
    tag = _ALTERNATE.search(body[:200_000])
    href = _HREF.search(tag.group(0)) if tag else None
    return urljoin(url, href.group(1).decode("utf-8", "replace")) if href else None


def _struct_to_datetime(value: time.struct_time | None) -> datetime | None:
    return datetime.fromtimestamp(calendar.timegm(value), UTC) if value else None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:200]
