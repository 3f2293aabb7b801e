"""What the crawler hands to storage: one fetched page, its extracted content and entities.

Plain records with no database code, so the extraction workers that build them never import
SQLAlchemy (19 MB of memory in each worker, and a tenth of a second to start it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class EntityRecord:
    """One entity an extracted text names, as the crawler's entity stage hands it over."""

    name: str
    type: str
    known: bool
    context: str  # the sentence it first appears in
    count: int = 1


@dataclass(frozen=True)
class PageContent:
    """What extraction found in one fetched page."""

    title: str
    text: str
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    language: str | None = None
    site_name: str | None = None


@dataclass(frozen=True)
class FetchedPage:
    """One successfully fetched and extracted page, as the crawler hands it to storage."""

    source: str
    url: str  # as requested: its fetch state (validators, HTML hash) is kept under it
    article_url: str
    fetched_at: datetime
    body: bytes  # the page as fetched (PageFetched.body); PageFetched.html is its decoded text
    content: PageContent
    etag: str | None = None
    last_modified: str | None = None
    hints: dict[str, Any] = field(default_factory=dict)
    entities: tuple[EntityRecord, ...] = ()
    final_url: str | None = None  # where the HTML came from after redirects, when elsewhere
    # Fetched under another URL than `article_url` names (an AMP, mobile or print copy whose
    # canonical link points there): what it shows is a view of the article, not its versions.
    alias: bool = False
    # Unrecognised names beyond crawler.article.MAX_UNRECOGNISED, left out (a name flood).
    unrecognised_dropped: int = 0
