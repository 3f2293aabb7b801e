"""`labscope schedule`: run the scheduler in the foreground, or list its jobs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import click
from rich.table import Table

from cli.context import Context
from cli.group import cli
from cli.output import fitted, out, print_json, when
from storage.db import open_database


@cli.command()
@click.option(
    "--list", "list_jobs", is_flag=True, help="Print the jobs and their next runs, then exit."
)
@click.option("--json", "as_json", is_flag=True, help="Print the jobs as JSON (implies --list).")
@click.pass_obj
def schedule(obj: Context, list_jobs: bool, as_json: bool) -> None:
    """Run the scheduler in the foreground: crawls, rechecks and digests (Ctrl-C stops it)."""
    list_jobs = list_jobs or as_json
    from crawler.jobs import JobContext
    from crawler.schedule import plan

    config = obj.config()
    context = JobContext(config, obj.config_path, obj.db_url or config.storage.url)
    open_database(context.db_url).close()  # a bad database is a one-line error now, not later
    if not list_jobs:
        import scheduler

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        for noisy in ("apscheduler", "alembic"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        scheduler.run(context)
        return
    jobs, unscheduled = plan(context, datetime.now(UTC))
    if as_json:
        listed = [{"id": j.id, "trigger": str(j.trigger), "next_run": j.next_run} for j in jobs]
        unplanned = [
            {"id": f"crawl:{name}", "trigger": None, "next_run": None} for name in unscheduled
        ]
        print_json(listed + unplanned)
        return
    table = Table("Job", "Trigger", "Next run", title=f"{len(jobs)} jobs", title_justify="left")
    for job in jobs:
        table.add_row(job.id, str(job.trigger), when(job.next_run))
    for name in unscheduled:
        table.add_row(f"crawl:{name}", "no schedule or every: not scheduled", "-")
    out.print(fitted(table))
