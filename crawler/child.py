"""The crawl process the scheduler starts: one crawl (or recheck) into a run it opened.

The scheduler stops its child at the crawl's `time_limit`. A scheduler that is SIGKILLed can no
longer do that, so the child keeps its own watch: once its parent is gone, it stops itself at the
limit (as the scheduler would: SIGTERM, the pages in hand finish) and marks its run failed with
the reason; if it has not ended `STOP_GRACE` seconds later, it marks the run and exits at once.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from crawler.config import load_config
from crawler.config.toml_checks import parse_interval
from crawler.errors import CrawlerError
from crawler.jobs import PAGE_PREFIX
from crawler.lifelines import watch_parent
from crawler.pipelines import PAGE_LOG
from crawler.run import run_crawl, run_recheck
from storage.db import open_database
from storage.errors import StorageError
from storage.runs import close_stale_run, fail_run

logger = logging.getLogger(__name__)

# With nobody waiting on it, an orphaned child gives the pages in hand this long to finish.
STOP_GRACE = 5.0


class Deadline:
    """The crawl's own time limit, armed when its scheduler is gone."""

    def __init__(self, db_url: str, run_id: int, time_limit: str) -> None:
        self.db_url = db_url
        self.run_id = run_id
        self.problem = f"stopped at the time limit ({time_limit}); its scheduler was gone"
        self.ends = time.monotonic() + parse_interval(time_limit).total_seconds()
        self.reached = threading.Event()

    def arm(self) -> None:
        watch_parent(os.getppid(), self._orphaned)

    def _orphaned(self) -> None:
        self._after(self.ends - time.monotonic(), self._stop)

    def _stop(self) -> None:
        self.reached.set()
        os.kill(os.getpid(), signal.SIGTERM)  # Scrapy's graceful stop, as the scheduler sends
        self._after(STOP_GRACE, self._exit)

    def _exit(self) -> None:
        try:
            db = open_database(self.db_url, create=False)
            with db.transaction() as session:
                close_stale_run(session, self.run_id, "failed", self.problem)
        except (StorageError, OSError) as exc:  # the next command closes it as interrupted
            logger.error("run %d not closed: %s", self.run_id, exc)
        os._exit(1)

    @staticmethod
    def _after(seconds: float, action: Callable[[], None]) -> None:
        timer = threading.Timer(max(seconds, 0.0), action)
        timer.daemon = True
        timer.start()

    def record(self) -> None:
        """After the crawl ended: a crawl the limit stopped failed, with the reason."""
        if self.reached.is_set():
            with open_database(self.db_url, create=False).transaction() as session:
                fail_run(session, self.run_id, self.problem)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.child")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--trigger", required=True)
    parser.add_argument("--source", action="append", default=[])
    parser.add_argument("--recheck", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="A line per page on stderr.")
    args = parser.parse_args(argv)
    if args.verbose:  # the scheduler relays these lines to its own log (crawler.jobs)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(PAGE_PREFIX + "%(message)s"))
        page_log = logging.getLogger(PAGE_LOG)
        page_log.addHandler(handler)
        page_log.setLevel(logging.INFO)
        page_log.propagate = False
    try:
        config = load_config(args.config)
        deadline = Deadline(args.db, args.run_id, config.crawl.time_limit)
        deadline.arm()
        db = open_database(args.db)
        if args.recheck:
            run_recheck(config, db, trigger=args.trigger, run_id=args.run_id)
        else:
            run_crawl(config, db, args.source, trigger=args.trigger, run_id=args.run_id)
        deadline.record()
    except (CrawlerError, StorageError) as exc:
        print(f"labscope: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
