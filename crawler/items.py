"""What spiders hand to the pipeline: one item per article URL they tried."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PageFetched:
    """New HTML for an article URL, to be extracted and stored."""

    source: str
    url: str
    final_url: str
    fetched_at: datetime
    body: bytes
    html: str
    etag: str | None = None
    last_modified: str | None = None
    hints: dict[str, Any] = field(default_factory=dict)
    charset_note: str | None = None  # how `html` was decoded, when not as the page declared
    known_visible: str | None = None  # the fingerprint the last extraction read (crawler.visible)


@dataclass(frozen=True)
class PageUnchanged:
    """The server said 304, or sent the same bytes as last time: nothing to extract."""

    source: str
    url: str
    fetched_at: datetime
    status: int


@dataclass(frozen=True)
class SameText:
    """New HTML whose visible fingerprint is the last extraction's: the markup churned, the
    text did not (crawler.visible). Recorded as a check; nothing is extracted."""

    fingerprint: str


@dataclass(frozen=True)
class PageFailed:
    """A URL that gave no article this time, and why."""

    source: str
    url: str
    fetched_at: datetime
    status: int | None
    reason: str
    discovery: bool = False  # a feed, sitemap or listing page rather than an article


@dataclass(frozen=True)
class PageSkipped:
    """A URL we chose not to fetch (robots.txt, not http(s), ...)."""

    source: str
    url: str
    reason: str
