"""`labscope worker`: fetch, extract and store what crawls put in the [crawl] frontier."""

from __future__ import annotations

import click

from cli.context import Context, log_level
from cli.group import cli
from cli.output import print_run
from storage.db import open_database


@cli.command()
@click.option(
    "--idle-exit",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Exit after this long with nothing queued or leased (default: wait for ever).",
)
@click.option(
    "--lease",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="How soon another worker takes over the pages of a worker that died.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON at exit.")
@click.pass_obj
def worker(obj: Context, idle_exit: float | None, lease: float, as_json: bool) -> None:
    """Fetch, extract and store the article requests crawls put in [crawl] frontier (Redis),
    beside any number of workers on this host or others, until stopped or --idle-exit."""
    from crawler.frontier.worker import run_worker

    config = obj.config()
    db = open_database(obj.db_url or config.storage.url)
    result = run_worker(config, db, idle_exit=idle_exit, lease=lease, log_level=log_level(obj))
    print_run(result.run_id, result.status, result.counts, as_json)
