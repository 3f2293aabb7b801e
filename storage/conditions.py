"""Filters as SQLAlchemy conditions, for search and the article list read through the ORM."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import aliased

from storage.article_sources import found_by
from storage.filters import EDIT_KINDS, Filters
from storage.models import Article, Entity, Mention, Version


def conditions(filters: Filters, version: Any) -> list[ColumnElement[bool]]:
    """Conditions on Article and `version` (the version row the query reads)."""
    found: list[ColumnElement[bool]] = []
    if filters.sources:  # found by the source, first or credited later (storage.article_sources)
        found.append(found_by(filters.sources))
    if filters.entity:
        # Correlated, so SQLite walks the article's versions into the mentions primary key
        # instead of first collecting every version that ever named the entity.
        other = aliased(Version)
        named = (
            select(other.id)
            .join(Mention, Mention.version_id == other.id)
            .join(Entity, Entity.id == Mention.entity_id)
            .where(other.article_id == Article.id, Entity.name == filters.entity)
        )
        found.append(exists(named))
    if filters.since:
        found.append(Article.dated >= filters.since)
    if filters.until:
        found.append(Article.dated < filters.until)
    if filters.language:
        found.append(version.language.like(f"{filters.language}%"))
    if filters.edited:
        other = aliased(Version)
        edits = select(other.id).where(
            other.article_id == Article.id, other.change_kind.in_(EDIT_KINDS)
        )
        found.append(exists(edits))
    if filters.removed:
        found.append(Article.removed_at.is_not(None))
    return found
