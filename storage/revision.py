"""What every reader of an archive checks before reading it, known without importing alembic or
SQLAlchemy: the schema revision this labscope reads, and how long to wait for a writer's lock.
storage.db opens an archive already at that revision with one query; storage.lean reads one
without SQLAlchemy at all."""

from __future__ import annotations

from pathlib import Path

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD_REVISION = max(p.name for p in (MIGRATIONS / "versions").glob("[0-9]*.py")).split("_")[0]
"""The newest migration's revision, read from its file name (NNNN_what.py, revision "NNNN";
tests/test_storage.py holds it to alembic's head): importing alembic to ask it is a third of a
second of every command's start-up."""
CURRENT_REVISION = "SELECT version_num FROM alembic_version"
BUSY_TIMEOUT_MS = 30_000  # a crawl commits in well under a second; a long wait is a stuck writer
