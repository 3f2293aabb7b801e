"""The article list's rows, and why an article counts as removed: plain records that both
readers of the list build (storage.queries through the ORM, storage.lean with sqlite3), so
that the command that should answer at once imports no SQLAlchemy to hold them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

GONE_CHECKS = 2
"""An article is flagged removed after this many 404/410 answers in a row (one may be a blip);
storage.fetch_states counts them, and a Removal says so."""


@dataclass(frozen=True)
class Removal:
    """Why an article counts as removed, shown on the article itself (`show`, its JSON, the
    article page, `articles --removed`) and not only in the digest of the day it happened."""

    at: datetime
    notice: str | None  # the words of the page that said so; None for a 404/410
    reason: str

    @classmethod
    def of(cls, at: datetime, notice: str | None, status: int | None) -> Removal:
        """The removal flagged at `at`: by a page's `notice`, else by its last HTTP `status`."""
        if notice:
            return cls(at, notice, f"the page says: {notice}")
        said = status or "404/410"
        return cls(at, notice, f"the page answered HTTP {said} on {GONE_CHECKS} checks in a row")


@dataclass(frozen=True)
class ArticleSummary:
    id: int
    url: str
    title: str
    source: str
    published: datetime | None
    first_seen: datetime
    last_checked: datetime
    versions: int
    language: str | None = None  # the latest version's; the same key as show's and search's
    removed: Removal | None = None  # set while the article counts as removed; as in show
