"""labscope's scheduler: crawl each source on its schedule, recheck articles, write digests.

`labscope schedule` runs this in the foreground (what a systemd unit or a container runs). The
jobs live in crawler/schedule.py and crawler/jobs.py; this module only starts and stops them.
SIGINT/SIGTERM stop cleanly (running crawls finish the page in hand); SIGHUP reloads the config.
With several schedulers on one archive, one runs the jobs and the others wait (crawler/leader.py).
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import replace
from datetime import UTC, datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from crawler.config import load_config
from crawler.errors import ConfigError
from crawler.jobs import JobContext, send_pending, stop_children
from crawler.leader import leadership
from crawler.schedule import add_jobs, plan

logger = logging.getLogger("labscope.scheduler")

# Crawls run in child processes; this many at once keeps a small server responsive.
PARALLEL_JOBS = 4


def run(context: JobContext) -> None:
    """Schedule the jobs and block until SIGINT or SIGTERM."""
    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(PARALLEL_JOBS)}, timezone=UTC
    )
    jobs, unscheduled = plan(context, datetime.now(UTC))
    add_jobs(scheduler, jobs)
    for name in unscheduled:
        logger.warning(
            "source %s has no schedule or every, and [crawl] no default: not crawled", name
        )

    stopping = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        logger.info(
            "stopping (%s): no new crawls; running ones finish their page",
            signal.Signals(signum).name,
        )
        stopping.set()  # a scheduler still waiting for the lock gives up waiting
        stop_children()
        if scheduler.running:
            scheduler.shutdown(wait=False)

    def reload(_signum: int, _frame: FrameType | None) -> None:
        nonlocal context
        try:
            config = load_config(context.config_path)
        except ConfigError as exc:
            logger.error("config not reloaded: %s", exc)
            return
        context = replace(context, config=config)
        if scheduler.running:  # the leader; a waiting scheduler sends nothing
            send_pending(context)  # with the new targets
        scheduler.remove_all_jobs()
        add_jobs(scheduler, plan(context, datetime.now(UTC))[0])
        logger.info("config reloaded from %s", context.config_path)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, reload)
    with leadership(context.db_url, stopping) as leader:
        if leader:
            logger.info("scheduler started with %d jobs", len(scheduler.get_jobs()))
            send_pending(context)  # what the last run did not deliver before it stopped
            scheduler.start()
    logger.info("scheduler stopped")
