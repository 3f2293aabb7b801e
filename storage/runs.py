"""Crawl-run records: opened when a crawl starts, closed with its counts and errors."""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
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
    # `{"url", "note", "source"}` per page that did not fail but is worth a word (its charset).
    notes: list[dict[str, Any]] = field(default_factory=list)
    # Per source: "found" (article URLs discovered), "fetched", "new_articles", "new_versions",
    # "failed", "unanswered" (failed with no HTTP answer); what `labscope sources` judges a
    # source's health by.
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, source: str, key: str, n: int = 1) -> None:
        """Count `n` more of `key`, in total (when it is a total) and for `source`."""
        if key in COUNTERS:
            setattr(self, key, getattr(self, key) + n)
        tallies = self.by_source.setdefault(source, {})
        tallies[key] = tallies.get(key, 0) + n

    def fail(self, source: str, url: str, reason: str) -> None:
        self.add(source, "failed")
        self.errors.append({"url": url, "reason": reason, "source": source})

    def note(self, source: str, url: str, note: str) -> None:
        self.notes.append({"url": url, "note": note, "source": source})


def start_run(session: Session, trigger: str, sources: list[str]) -> int:
    run = CrawlRun(
        started=datetime.now(UTC),
        status="running",
        trigger=trigger,
        sources=sources,
        errors=[],
        notes=[],
        source_counts={},
        pid=os.getpid(),
        host=socket.gethostname(),
    )
    session.add(run)
    session.flush()
    return run.id


def claim_run(session: Session, run_id: int) -> None:
    """The crawl process takes over a run its parent opened (a scheduled crawl's child)."""
    run = session.get_one(CrawlRun, run_id)
    run.pid = os.getpid()
    run.host = socket.gethostname()


def close_abandoned_runs(session: Session) -> list[int]:
    """Mark interrupted the runs of this host whose crawl process is gone without closing them
    (SIGKILL, out of memory, power loss); returns their ids."""
    running = session.scalars(
        select(CrawlRun).where(
            CrawlRun.status == "running",
            CrawlRun.host == socket.gethostname(),
            CrawlRun.pid.is_not(None),
        )
    )
    closed = []
    booted = _boot_time()
    for run in running:
        # A run older than this boot lost its process to the restart, whatever runs under its
        # pid now; else the pid tells.
        if run.pid is not None and (run.started < booted or not _alive(run.pid)):
            run.status = "interrupted"
            reason = f"the crawl process ({run.pid}) ended without closing its run: killed?"
            run.errors = [*run.errors, {"url": "", "reason": reason, "source": ""}]
            closed.append(run.id)
    return closed


def _boot_time() -> datetime:
    """When this machine started (CLOCK_BOOTTIME counts from boot, suspend included)."""
    try:
        uptime = time.clock_gettime(time.CLOCK_BOOTTIME)
    except (AttributeError, OSError):  # not Linux: no reboot test, the pid alone decides
        return datetime.min.replace(tzinfo=UTC)
    return datetime.now(UTC) - timedelta(seconds=uptime)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def finish_run(
    session: Session,
    run_id: int,
    counts: RunCounts,
    status: str,
    sources: list[str] | None = None,
) -> None:
    run = session.get_one(CrawlRun, run_id)
    if sources is not None:
        run.sources = sources
    run.finished = datetime.now(UTC)
    run.status = status
    for name in COUNTERS:
        setattr(run, name, getattr(counts, name))
    run.errors = counts.errors[:MAX_STORED_ERRORS]
    run.notes = counts.notes[:MAX_STORED_ERRORS]
    run.source_counts = counts.by_source


def close_stale_run(session: Session, run_id: int, status: str, problem: str | None) -> str:
    """Close a run its crawl process left open (killed, timed out, crashed); returns its status.

    A run the crawl closed itself is left as it is.
    """
    run = session.get_one(CrawlRun, run_id)
    if run.status == "running":
        run.status = status
        run.finished = datetime.now(UTC)
        if problem:
            run.errors = [*run.errors, {"url": "", "reason": problem, "source": ""}]
    return run.status


def fail_run(session: Session, run_id: int, problem: str) -> None:
    """Mark a run failed with `problem`, however it ended: a crawl stopped at its time limit by
    itself (its scheduler gone) closes its run as interrupted, but the limit is a failure."""
    run = session.get_one(CrawlRun, run_id)
    run.status = "failed"
    run.finished = run.finished or datetime.now(UTC)
    run.errors = [*run.errors, {"url": "", "reason": problem, "source": ""}]


def run_line(session: Session, run_id: int) -> tuple[str, list[str]]:
    """One line for a finished run (what the scheduler logs per crawl), and its errors' lines:
    a monitor's log must say what each crawl did without opening the database."""
    run = session.get_one(CrawlRun, run_id)
    finished = run.finished or datetime.now(UTC)
    seconds = (finished - run.started).total_seconds()
    line = (
        f"{run.trigger} run {run.id} of {', '.join(run.sources) or 'rechecks'}: {run.status}, "
        # new_versions counts each new article's first version too: edits are the rest.
        f"fetched {run.fetched}, new {run.new_articles}, "
        f"edited {run.new_versions - run.new_articles}, "
        f"failed {run.failed}, {seconds:.1f} s"
    )
    errors = [f"{e.get('url') or '-'}: {e.get('reason')}" for e in run.errors]
    return line, errors


def last_started(session: Session, recent: int = 2000) -> dict[str, datetime]:
    """When each source was last crawled (any trigger), from the most recent runs."""
    latest: dict[str, datetime] = {}
    runs = session.execute(
        select(CrawlRun.sources, CrawlRun.started).order_by(CrawlRun.id.desc()).limit(recent)
    )
    for sources, started in runs:
        for name in sources:
            latest.setdefault(name, started)
    return latest


def worker_name(host: str | None, pid: int | None) -> str | None:
    """How `runs` and `sources` name the process that ran a crawl ("host:pid"): with a shared
    PostgreSQL archive, crawls and schedulers on several hosts write to one history. None for
    runs from before migration 0007 recorded it."""
    if host is None and pid is None:
        return None
    return f"{host or '?'}:{pid if pid is not None else '?'}"
