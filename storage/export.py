"""Exports for analysis elsewhere (pandas, a spreadsheet): one record per article or version,
streamed in batches so memory stays constant on a large archive."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Article, Entity, Mention, Source, Version

BATCH = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FIELDS = (
    "id", "url", "source", "version", "fetched_at", "change_kind", "title",
    "authors", "published", "modified", "language", "site_name", "first_seen",
    "last_checked", "entities", "text",
)  # fmt: skip


def export_records(
    session: Session, *, all_versions: bool = False, since: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Every article (its latest version), or every version, fetched since `since`."""
    query = (
        select(Article, Version, Source.name)
        .join(Version, Version.article_id == Article.id)
        .join(Source, Source.id == Article.source_id)
        .order_by(Article.id, Version.number)
        .execution_options(yield_per=BATCH)
    )
    if not all_versions:
        query = query.where(Version.id == Article.latest_version_id)
    if since is not None:
        query = query.where(Version.fetched_at >= since)
    for batch in session.execute(query).partitions():
        names = _entities(session, [version.id for _, version, _ in batch])
        for article, version, source in batch:
            yield {
                "id": article.id,
                "url": article.url,
                "source": source,
                "version": version.number,
                "fetched_at": version.fetched_at.isoformat(),
                "change_kind": version.change_kind,
                "title": version.title,
                "authors": list(version.authors),
                "published": version.published.isoformat() if version.published else None,
                "modified": version.modified.isoformat() if version.modified else None,
                "language": version.language,
                "site_name": version.site_name,
                "first_seen": article.first_seen.isoformat(),
                "last_checked": article.last_checked.isoformat(),
                "entities": sorted(names.get(version.id, [])),
                "text": version.text,
            }
        session.expunge_all()  # keep memory flat: nothing of a written batch stays in the session


def as_jsonl(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


def neutralise(cell: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading quote (OWASP's rule for
    CSV injection): a crawled title `=HYPERLINK(...)` must stay text on an analyst's machine."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def as_csv(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    """CSV with a header; lists are joined with "; " so a spreadsheet shows them in one cell, and
    formula-like cells are neutralised."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for record in records:
        row = {k: neutralise("; ".join(v) if isinstance(v, list) else v) for k, v in record.items()}
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _entities(session: Session, version_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    rows = session.execute(
        select(Mention.version_id, Entity.name)
        .join(Entity, Entity.id == Mention.entity_id)
        .where(Mention.version_id.in_(version_ids))
    )
    for version_id, name in rows:
        found.setdefault(version_id, []).append(name)
    return found
