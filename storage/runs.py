"""Crawl-run records: opened when a crawl starts, closed with its counts and errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from storage.models import CrawlRun

COUNTERS = (
    "fetched",
    "new_articles",
    "new_versions",
    "unchanged",
    "not_modified",
    "skipped",
    "failed",
)
MAX_STORED_ERRORS = 200


@dataclass
class RunCounts:
    """The tallies of one crawl; `errors` holds `{"url", "reason"}` per failure."""

    fetched: int = 0
    new_articles: int = 0
    new_versions: int = 0
    unchanged: int = 0
    not_modified: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def start_run(session: Session, trigger: str, sources: list[str]) -> int:
    run = CrawlRun(
        started=datetime.now(UTC), status="running", trigger=trigger, sources=sources, errors=[]
    )
    session.add(run)
    session.flush()
    return run.id


def finish_run(session: Session, run_id: int, counts: RunCounts, status: str) -> None:
    run = session.get_one(CrawlRun, run_id)
    run.finished = datetime.now(UTC)
    run.status = status
    for name in COUNTERS:
        setattr(run, name, getattr(counts, name))
    run.errors = counts.errors[:MAX_STORED_ERRORS]
