"""What bench.crawl reads back from a crawl's SQLite file, with plain sqlite3.

Only the schema is relied on (crawl_runs.started/finished, articles.url, versions.article_id and
text), not labscope's code, so the figures stay comparable while the crawler changes.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Storage:
    bytes: int  # the .db file plus its -wal, after a checkpoint
    versions: int
    tables: dict[str, int]  # bytes per table, its indexes included (empty without dbstat)


def connect(db: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(db, timeout=30))


def run_seconds(db: Path, run_id: int) -> float | None:
    """The crawl's own duration (crawl_runs.started to finished): process start-up left out."""
    with connect(db) as conn:
        row = conn.execute(
            "SELECT started, finished FROM crawl_runs WHERE id = ?", (run_id,)
        ).fetchone()
    if row is None or row[1] is None:
        return None
    started, finished = (datetime.fromisoformat(value) for value in row)
    return (finished - started).total_seconds()


def first_texts(db: Path) -> dict[str, str]:
    """Article URL -> the text of its first stored version."""
    with connect(db) as conn:
        rows = conn.execute(
            "SELECT a.url, v.text FROM versions v JOIN articles a ON a.id = v.article_id "
            "ORDER BY v.id DESC"
        ).fetchall()
    return dict(rows)  # in descending order, so each URL's first version is the one kept


def storage(db: Path) -> Storage:
    """The archive's size on disk after a WAL checkpoint, and where the bytes are."""
    with connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        versions = conn.execute("SELECT count(*) FROM versions").fetchone()[0]
        tables = _table_bytes(conn)
    wal = db.with_name(db.name + "-wal")
    size = db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    return Storage(size, versions, tables)


def _table_bytes(conn: sqlite3.Connection) -> dict[str, int]:
    """Bytes per table with its indexes, largest first; {} when SQLite lacks dbstat."""
    try:
        rows = conn.execute(
            "SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d "
            "LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
    except sqlite3.OperationalError:
        return {}
    return {name: size for name, size in rows}
