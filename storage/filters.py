"""Filters shared by search and the article list: source, entity, period, language, edited,
removed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import aliased

from storage.article_sources import found_by
from storage.models import Article, Entity, Mention, Version

EDIT_KINDS = ("substantive", "correction")  # what --edited counts as an edit


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

    def conditions(self, version: Any) -> list[ColumnElement[bool]]:
        """Conditions on Article and `version` (the version row the query reads)."""
        found: list[ColumnElement[bool]] = []
        if self.sources:  # found by the source, first or credited later (storage.article_sources)
            found.append(found_by(self.sources))
        if self.entity:
            # Correlated, so SQLite walks the article's versions into the mentions primary key
            # instead of first collecting every version that ever named the entity.
            other = aliased(Version)
            named = (
                select(other.id)
                .join(Mention, Mention.version_id == other.id)
                .join(Entity, Entity.id == Mention.entity_id)
                .where(other.article_id == Article.id, Entity.name == self.entity)
            )
            found.append(exists(named))
        if self.since:
            found.append(Article.dated >= self.since)
        if self.until:
            found.append(Article.dated < self.until)
        if self.language:
            found.append(version.language.like(f"{self.language}%"))
        if self.edited:
            other = aliased(Version)
            edits = select(other.id).where(
                other.article_id == Article.id, other.change_kind.in_(EDIT_KINDS)
            )
            found.append(exists(edits))
        if self.removed:
            found.append(Article.removed_at.is_not(None))
        return found


NO_FILTERS = Filters()
