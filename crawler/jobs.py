"""The scheduler's jobs: crawl a source, recheck due articles, write the digest.

Each crawl runs in its own child process (`python -m crawler.child`): Scrapy's reactor cannot be
restarted, and a crash, leak or hang in one crawl must not take the scheduler down. The parent
opens the run record first, so a child that is killed or times out is still recorded.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from crawler.config import Config
from crawler.config.toml_checks import parse_interval
from storage.db import Database, open_database
from storage.digest.runs import WrittenDigest, write_next_digest
from storage.health_notices import record_changes, send_notice
from storage.runs import close_stale_run, run_line, start_run

logger = logging.getLogger(__name__)

# How long a stopped child may take to finish the page it is storing before it is killed.
STOP_GRACE = 20.0

_children: set[subprocess.Popen[bytes]] = set()
_lock = threading.Lock()
_stopping = threading.Event()


@dataclass(frozen=True)
class JobContext:
    """What every job needs: the config, where it came from, and the database to use."""

    config: Config
    config_path: Path
    db_url: str


def crawl_job(context: JobContext, source: str) -> str:
    """Crawl one source in a child process; returns the run's final status."""
    return _run_child(context, ["--source", source], "schedule", [source])


def recheck_job(context: JobContext) -> str:
    """Fetch the articles that are due for a recheck, in a child process."""
    return _run_child(context, ["--recheck"], "recheck", [])


def digest_job(context: JobContext, now: datetime | None = None) -> WrittenDigest:
    """Write the digest of everything since the previous one, then send it."""
    digest = context.config.digest
    written = write_next_digest(
        open_database(context.db_url),
        now or datetime.now(UTC),
        digest.formats,
        digest.output,
        context.config.noise_rules().by_source(),
        digest.webhooks,
        digest.emails,
    )
    for delivery in written.deliveries:
        if not delivery.ok:
            logger.error("digest not delivered to %s: %s", delivery.target, delivery.error)
    logger.info("digest written: %s", ", ".join(str(path) for path in written.files))
    return written


def stop_children() -> None:
    """Ask every running crawl to stop (SIGTERM: Scrapy finishes the pages in hand) and start
    no more."""
    _stopping.set()
    with _lock:
        for child in _children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
    timer = threading.Timer(STOP_GRACE, _kill_children)
    timer.daemon = True
    timer.start()


def _kill_children() -> None:
    """Children still running after the grace are killed: their open transaction rolls back."""
    with _lock:
        for child in _children:
            if child.poll() is None:
                child.kill()


def _run_child(context: JobContext, args: list[str], trigger: str, sources: list[str]) -> str:
    if _stopping.is_set():
        return "skipped"
    db = open_database(context.db_url)
    with db.transaction() as session:
        run_id = start_run(session, trigger, sources)
    command = [
        sys.executable, "-m", "crawler.child",
        "--config", str(context.config_path),
        "--db", context.db_url,
        "--run-id", str(run_id),
        "--trigger", trigger,
        *args,
    ]  # fmt: skip
    limit = parse_interval(context.config.crawl.time_limit).total_seconds()
    child = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    with _lock:
        _children.add(child)
    problem = None
    try:
        _, stderr = child.communicate(timeout=limit)
        if child.returncode != 0:
            lines = stderr.decode("utf-8", "replace").strip().splitlines()
            problem = f"crawl process exited with status {child.returncode}"
            problem += f": {lines[-1]}" if lines else ""
    except subprocess.TimeoutExpired:
        problem = f"stopped at the time limit ({context.config.crawl.time_limit})"
        _stop(child)
    finally:
        with _lock:
            _children.discard(child)
    status = "interrupted" if _stopping.is_set() else "failed"
    with db.transaction() as session:
        final = close_stale_run(session, run_id, status, problem)
        line, errors = run_line(session, run_id)
    if problem and not _stopping.is_set():
        logger.error("%s run %d of %s: %s", trigger, run_id, sources or "rechecks", problem)
    logger.info("%s", line)  # one line per crawl, however it ended
    for error in errors:
        logger.warning("run %d failed: %s", run_id, error)
    if sources and not _stopping.is_set():
        _notify_health(context, db, sources, run_id)
    db.close()
    return final


def _notify_health(context: JobContext, db: Database, sources: list[str], run_id: int) -> None:
    """Announce each source that turned failing or empty, or recovered, in this run: recorded
    first (so never announced twice), then sent through the digest's channels."""
    with db.transaction() as session:
        notices = record_changes(session, sources, datetime.now(UTC), run_id)
    digest = context.config.digest
    for notice in notices:
        deliveries = send_notice(notice, digest.webhooks, digest.emails)
        sent = sum(d.ok for d in deliveries)
        logger.warning("%s (notified %d of %d channels)", notice.line(), sent, len(deliveries))


def _stop(child: subprocess.Popen[bytes]) -> None:
    child.send_signal(signal.SIGTERM)
    try:
        child.communicate(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
