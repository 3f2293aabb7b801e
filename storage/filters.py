"""What search and the article list narrow by (source, entity, period, language, edited,
removed) and how the list is ordered: plain data, which the CLI builds before it knows which
reader answers (storage.conditions turns it into SQLAlchemy, storage.lean into SQLite SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

EDIT_KINDS = ("substantive", "correction")  # what --edited counts as an edit
Sort = Literal["published", "first_seen", "last_changed", "edits"]
SORTS: tuple[str, ...] = get_args(Sort)


@dataclass(frozen=True)
class Filters:
    """What search and the article list narrow by: all must hold."""

    sources: list[str] | None = None
    entity: str | None = None  # canonical name: mentioned by any version of the article
    since: datetime | None = None  # article dated (latest published, else first seen) on/after
    until: datetime | None = None  # ... and before
    language: str | None = None  # "zh" also matches "zh-CN"
    edited: bool = False  # at least one substantive edit (or correction)
    removed: bool = False  # only articles flagged removed now (a notice, or 404/410)


NO_FILTERS = Filters()
