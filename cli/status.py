"""The status commands: `runs` (recent crawl runs) and `sources` (each source's health)."""

from __future__ import annotations

import dataclasses

import click
from rich.markup import escape
from rich.table import Table

from cli.context import Context
from cli.group import cli
from cli.output import fitted, out, print_json, when
from storage.health import source_health
from storage.queries import list_runs


@cli.command()
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def runs(obj: Context, limit: int, as_json: bool) -> None:
    """List recent crawl runs and what each found."""
    db = obj.database()
    with db.reading() as session:
        rows = list_runs(session, limit=limit)
    if as_json:
        print_json([dataclasses.asdict(row) for row in rows])
        return
    table = Table(
        "Run", "Started", "Status", "Trigger", "Fetched", "New", "Versions", "Failed", "Worker"
    )
    for r in rows:
        table.add_row(
            str(r.id),
            when(r.started),
            r.status,
            r.trigger,
            str(r.fetched),
            str(r.new_articles),
            str(r.new_versions),
            str(r.failed),
            r.worker or "-",
        )
    out.print(fitted(table))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def sources(obj: Context, as_json: bool) -> None:
    """Each configured source's health: last success, last error, articles found."""
    config = obj.config()
    db = obj.database()
    with db.reading() as session:
        rows = source_health(session, [source.name for source in config.sources])
    if as_json:
        print_json([dataclasses.asdict(row) for row in rows])
        return
    table = Table(
        "Source", "Health", "Articles", "Last run", "Worker", "Last success", "Note / last error"
    )
    for row in rows:
        style = {"ok": "green", "failing": "red", "empty": "yellow"}.get(row.health, "dim")
        table.add_row(
            row.name,
            f"[{style}]{row.health}[/{style}]",
            str(row.articles),
            when(row.last_run),
            row.last_worker or "-",
            when(row.last_success),
            escape(row.note or row.last_error or ""),
        )
    out.print(fitted(table))
