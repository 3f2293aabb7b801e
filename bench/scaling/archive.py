"""The synthetic archives of bench.scaling: built once per size into a cache, then copied.

Every crawl of the scaling benchmark writes into its archive, so it gets a fresh copy; the
pristine archive is built by bench.archive (same seed, so the same rows every time) and kept
in the cache folder, since 100,000 articles take about six minutes to build and a copy takes
seconds. An archive handed in (``--archive-100k``) is only ever read: the copy goes through
SQLite's backup API on a read-only connection, which sees a consistent snapshot (the WAL
included) even if someone else reads the file meanwhile, and never checkpoints the original.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from bench.archive.build import build_archive, describe

BACKUP_PAGES = 65_536  # pages per backup step (256 MB at 4 kB): progress, and no long lock


def cached_archive(
    size: int, cache: Path, seed: int = 7, say: Callable[[str], None] = print
) -> Path:
    """The path of a pristine `size`-article archive in `cache`, built first if not there.

    It is built under a temporary name and renamed when complete, so an interrupted build is
    never mistaken for a finished one by the next run.
    """
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"archive-{size}-seed{seed}.db"
    if path.is_file():
        return path
    partial = path.with_name(path.name + ".partial")
    for leftover in sidecars(partial):
        leftover.unlink(missing_ok=True)
    say(f"building a {size:,}-article archive in {cache} (bench.archive) ...")
    built = build_archive(f"sqlite:///{partial}", articles=size, seed=seed, say=say)
    say("  " + describe(built))
    with closing(sqlite3.connect(partial)) as conn:  # fold the WAL in: one file to rename
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    partial.rename(path)
    for leftover in sidecars(partial):
        leftover.unlink(missing_ok=True)
    return path


def copy_archive(source: Path, target: Path) -> None:
    """Copy the SQLite database `source` to `target` without writing to `source`."""
    for stale in sidecars(target):
        stale.unlink(missing_ok=True)
    read_only = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    with closing(read_only) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst, pages=BACKUP_PAGES)


def sidecars(db: Path) -> list[Path]:
    """The database file and the -wal and -shm files SQLite keeps beside it."""
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


def article_count(db: Path) -> int:
    """Articles stored in `db`, read without writing to it."""
    with closing(sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
