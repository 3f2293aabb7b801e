"""What runs when: one job per source, one recheck job and one digest job, from config.toml.

Every job has max_instances=1 (a source's crawls never overlap) and coalesce=True (missed runs
collapse into one). After downtime, a source whose last crawl is older than its last scheduled
time is crawled at once, judged from the run history in the database, not pickled job state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.config.toml_checks import parse_interval
from crawler.jobs import JobContext, crawl_job, digest_job, recheck_job
from storage.db import open_database
from storage.runs import last_started

# A run delayed by less than this (all workers busy, a suspended machine) still happens, once.
MISFIRE_GRACE = timedelta(hours=6)


@dataclass(frozen=True)
class PlannedJob:
    id: str
    func: Callable[..., Any]
    args: tuple[Any, ...]
    trigger: BaseTrigger
    next_run: datetime | None  # when it will first run


def plan(context: JobContext, now: datetime) -> tuple[list[PlannedJob], list[str]]:
    """The jobs config.toml asks for, and the enabled sources that have no schedule."""
    config = context.config
    with open_database(context.db_url).reading() as session:
        last = last_started(session)
    jobs: list[PlannedJob] = []
    unscheduled: list[str] = []
    for source in config.sources:
        if not source.enabled:
            continue
        trigger = _trigger(source.schedule or config.crawl.schedule, source.every)
        if trigger is None:
            unscheduled.append(source.name)
            continue
        jobs.append(
            PlannedJob(
                f"crawl:{source.name}",
                crawl_job,
                (context, source.name),
                trigger,
                _first_run(trigger, last.get(source.name), now),
            )
        )
    if config.recheck.enabled and config.sources:
        trigger = _trigger(None, config.recheck.every)
        assert trigger is not None
        jobs.append(PlannedJob("recheck", recheck_job, (context,), trigger, now))
    trigger = _trigger(config.digest.schedule, config.digest.every)
    if trigger is not None:
        first = trigger.get_next_fire_time(None, now)
        jobs.append(PlannedJob("digest", digest_job, (context,), trigger, first))
    return jobs, unscheduled


def add_jobs(scheduler: BaseScheduler, jobs: list[PlannedJob]) -> None:
    for job in jobs:
        scheduler.add_job(
            job.func,
            job.trigger,
            args=job.args,
            id=job.id,
            name=job.id,
            next_run_time=job.next_run,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(MISFIRE_GRACE.total_seconds()),
            replace_existing=True,
        )


def _trigger(cron: str | None, every: str | None) -> BaseTrigger | None:
    if every:
        return IntervalTrigger(seconds=parse_interval(every).total_seconds(), timezone="UTC")
    if cron:
        return CronTrigger.from_crontab(cron, timezone="UTC")
    return None


def _first_run(trigger: BaseTrigger, last: datetime | None, now: datetime) -> datetime | None:
    """Now, if a scheduled time passed since the last crawl (missed runs collapse into one);
    else the next scheduled time."""
    if last is None:
        return now
    if isinstance(trigger, IntervalTrigger):
        missed: datetime | None = last + trigger.interval
    else:
        missed = trigger.get_next_fire_time(None, last + timedelta(seconds=1))
    if missed is not None and missed <= now:
        return now
    upcoming: datetime | None = trigger.get_next_fire_time(None, now)
    return upcoming


def next_scheduled(cron: str | None, every: str | None, now: datetime) -> datetime | None:
    """When a source with this schedule would next run, judged without the run history (so
    `labscope check` reads no database); None when it has no schedule."""
    trigger = _trigger(cron, every)
    if trigger is None:
        return None
    upcoming: datetime | None = trigger.get_next_fire_time(None, now)
    return upcoming
