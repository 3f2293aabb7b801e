"""The article list read straight from a SQLite archive with the standard library's sqlite3.

`labscope articles` is what analysts run many times in a row, and importing SQLAlchemy alone
takes ten times as long as the whole query (0.2 s against 0.02 s on two cores, issue 22). So on
a SQLite archive the command reads its rows here, with the SQL storage.queries.list_articles
has SQLAlchemy write, and builds the same ArticleSummary records; tests/test_lean.py holds the
two readers to the same answers over every filter and order, on a real crawled archive.

This reader answers only the plain case and otherwise says None, leaving the question to the
ORM reader, which is also the one that migrates, refuses a foreign file and words each error:
a file that is missing, not a SQLite database, not labscope's or at another schema revision,
a source or entity name not stored, or any SQLite error. It opens the file read-only
and never writes to it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from storage.filters import EDIT_KINDS, Filters, Sort
from storage.revision import BUSY_TIMEOUT_MS, CURRENT_REVISION, HEAD_REVISION
from storage.summaries import ArticleSummary, Removal

Params = list[str | int]

_IS_EDIT = f"o.article_id = a.id AND o.change_kind IN ({', '.join('?' * len(EDIT_KINDS))})"
_EDITS = f"(SELECT count(o.id) FROM versions o WHERE {_IS_EDIT})"
_ORDER = {
    "published": "a.dated",
    "first_seen": "a.first_seen",
    "last_changed": "v.fetched_at",
    "edits": _EDITS,
}
_ROWS = (
    "SELECT a.id, a.url, v.title, s.name, v.published, a.first_seen, a.last_checked,"
    " (SELECT count(o.id) FROM versions o WHERE o.article_id = a.id), v.language, a.removed_at"
    " FROM articles a JOIN versions v ON v.id = a.latest_version_id"
    " JOIN sources s ON s.id = a.source_id"
)


def list_articles(
    file: Path, *, filters: Filters, sort: Sort, limit: int | None
) -> list[ArticleSummary] | None:
    """storage.queries.list_articles's answer, read from the SQLite archive `file`; None when
    this reader cannot tell (see the module docstring): then the ORM reader must answer."""
    if not file.is_file():
        return None
    try:
        with closing(_connect(file)) as db:
            if db.execute(CURRENT_REVISION).fetchall() != [(HEAD_REVISION,)]:
                return None
            if filters.sources and not _all_stored(db, filters.sources):
                return None
            if filters.entity and not _entity_stored(db, filters.entity):
                return None
            where, params = _conditions(filters)
            order = _ORDER[sort]
            sql = f"{_ROWS}{where} ORDER BY {order} DESC, a.id DESC"
            if sort == "edits":
                params = [*params, *EDIT_KINDS]
            if limit is not None:
                sql, params = f"{sql} LIMIT ?", [*params, limit]
            rows = db.execute(sql, params).fetchall()
            gone = _removals(db, [(row[0], row[1], row[9]) for row in rows if row[9] is not None])
    except sqlite3.Error:
        return None
    return [
        ArticleSummary(
            id=row[0],
            url=row[1],
            title=row[2],
            source=row[3],
            published=_moment(row[4]),
            first_seen=_aware(row[5]),
            last_checked=_aware(row[6]),
            versions=row[7],
            language=row[8],
            removed=gone.get(row[0]),
        )
        for row in rows
    ]


def _connect(file: Path) -> sqlite3.Connection:
    """`file` opened read-only (a URI with mode=ro), waiting for a writer as storage.db does."""
    uri = f"{file.resolve().as_uri()}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)


def _all_stored(db: sqlite3.Connection, names: Sequence[str]) -> bool:
    """Every name is a stored source's. A name that is not may be a typo, which the ORM reader
    words with a suggestion, or a configured source that found nothing yet."""
    stored = {name for (name,) in db.execute("SELECT name FROM sources")}
    return set(names) <= stored


def _entity_stored(db: sqlite3.Connection, name: str) -> bool:
    """`name` is a stored entity's. One that is not may be a typo (the ORM reader suggests a
    name) or an entity the knowledge base knows that no article named yet (no rows)."""
    return db.execute("SELECT 1 FROM entities WHERE name = ?", (name,)).fetchone() is not None


def _conditions(filters: Filters) -> tuple[str, Params]:
    """The WHERE clause of storage.conditions.conditions, in SQL, with its parameters."""
    found: list[str] = []
    params: Params = []
    if filters.sources:  # found by the source, first or credited later (storage.article_sources)
        named = f"SELECT id FROM sources WHERE name IN ({_marks(filters.sources)})"
        found.append(
            f"(a.source_id IN ({named}) OR EXISTS (SELECT 1 FROM article_sources c"
            f" WHERE c.article_id = a.id AND c.source_id IN ({named})))"
        )
        params += [*filters.sources, *filters.sources]
    if filters.entity:
        found.append(
            "EXISTS (SELECT 1 FROM versions o JOIN mentions m ON m.version_id = o.id"
            " JOIN entities e ON e.id = m.entity_id WHERE o.article_id = a.id AND e.name = ?)"
        )
        params.append(filters.entity)
    if filters.since:
        found.append("a.dated >= ?")
        params.append(_stored(filters.since))
    if filters.until:
        found.append("a.dated < ?")
        params.append(_stored(filters.until))
    if filters.language:
        found.append("v.language LIKE ?")
        params.append(f"{filters.language}%")
    if filters.edited:
        found.append(f"EXISTS (SELECT 1 FROM versions o WHERE {_IS_EDIT})")
        params += EDIT_KINDS
    if filters.removed:
        found.append("a.removed_at IS NOT NULL")
    return (f" WHERE {' AND '.join(found)}" if found else ""), params


def _removals(db: sqlite3.Connection, flagged: list[tuple[int, str, str]]) -> dict[int, Removal]:
    """storage.removals.removals for the (id, url, removed_at) of articles flagged removed."""
    if not flagged:
        return {}
    ids = [article_id for article_id, _, _ in flagged]
    urls = [url for _, url, _ in flagged]
    notices = dict(
        db.execute(
            "SELECT article_id, notice FROM events WHERE kind = 'removed'"
            f" AND article_id IN ({_marks(ids)}) ORDER BY id",
            ids,
        ).fetchall()
    )  # the newest removal event of each article wins
    statuses = dict(
        db.execute(
            f"SELECT url, last_status FROM fetch_states WHERE url IN ({_marks(urls)})",
            urls,
        ).fetchall()
    )
    return {
        article_id: Removal.of(_aware(at), notices.get(article_id), statuses.get(url))
        for article_id, url, at in flagged
    }


def _marks(values: Sequence[object]) -> str:
    """The placeholders of an IN list of `values`."""
    return ", ".join("?" * len(values))


def _stored(moment: datetime) -> str:
    """A moment as SQLAlchemy stores it in SQLite (storage.models.UTCDateTime): naive UTC text,
    so that comparing the text compares the times."""
    return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _aware(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _moment(text: str | None) -> datetime | None:
    return None if text is None else _aware(text)
