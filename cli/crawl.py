"""The crawling commands: `crawl` (every source once), `recheck` (what is due) and `demo`."""

from __future__ import annotations

import dataclasses

import click

from cli.context import Context, log_level
from cli.group import cli
from cli.output import (
    err,
    out,
    print_articles,
    print_demo_closing,
    print_json,
    print_run,
    progress,
    run_summary,
)
from storage.db import open_database
from storage.queries import list_articles
from storage.runs import RunCounts


@cli.command()
@click.option("--source", "sources", multiple=True, help="Crawl only this source (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.pass_obj
def crawl(obj: Context, sources: tuple[str, ...], as_json: bool) -> None:
    """Crawl every configured source once (or only --source NAME ...)."""
    from crawler.run import run_crawl

    config = obj.config()
    db = open_database(obj.db_url or config.storage.url)
    with progress(quiet=as_json) as on_progress:
        result = run_crawl(
            config, db, list(sources) or None, on_progress=on_progress, log_level=log_level(obj)
        )
    print_run(result.run_id, result.status, result.counts, as_json)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.pass_obj
def recheck(obj: Context, as_json: bool) -> None:
    """Fetch again the known articles that are due on the [recheck] schedule, once."""
    from crawler.run import run_recheck

    config = obj.config()
    db = open_database(obj.db_url or config.storage.url)
    with progress(quiet=as_json) as on_progress:
        result = run_recheck(config, db, on_progress=on_progress, log_level=log_level(obj))
    if result is None:
        if as_json:  # an object like any run's, so a script reads one shape
            print_json(run_summary(None, "nothing due", RunCounts()))
        else:
            out.print("No article is due for a recheck.")
        return
    print_run(result.run_id, result.status, result.counts, as_json)


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8642,
    show_default=True,
    help="Port for the demo site (0: any free one).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.pass_obj
def demo(obj: Context, port: int, as_json: bool) -> None:
    """Serve the bundled demo news site on 127.0.0.1 and crawl it (works offline).

    The archive goes to ./labscope-demo.db unless --db says otherwise."""
    from crawler.demo import DEMO_DB_URL, demo_edits, run_demo

    url = obj.db_url or DEMO_DB_URL
    db = open_database(url)
    with progress(quiet=as_json) as on_progress:
        result = run_demo(
            db,
            port,
            on_progress=on_progress,
            on_serving=None
            if as_json
            else lambda site: err.print(f"Serving the demo site at {site}"),
        )
    edits = demo_edits(db)
    first, second = result.first, result.second
    if as_json:
        print_json(
            {
                **run_summary(second.run_id, second.status, second.counts),
                "first_run": first and run_summary(first.run_id, first.status, first.counts),
                "edited": [dataclasses.asdict(edit) for edit in edits],
            }
        )
        return
    if first is not None:
        print_run(first.run_id, first.status, first.counts, False)
        out.print("\nThe demo site changed (an edit, a correction); crawled again:")
    print_run(second.run_id, second.status, second.counts, False)
    with db.reading() as session:
        print_articles(list_articles(session))
    print_demo_closing(url, edits)
