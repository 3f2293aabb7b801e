"""How the CLI shows things: tables, JSON and the live progress line."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli_output import write_output
from storage.digest_json import dumps
from storage.runs import RunCounts

# Piped output is read by people too: wider than rich's 80-column default for non-terminals.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False)


def print_run(run_id: int, status: str, counts: RunCounts, as_json: bool) -> None:
    summary = {
        "run_id": run_id,
        "status": status,
        **{k: v for k, v in dataclasses.asdict(counts).items() if k != "errors"},
        "errors": counts.errors,
    }
    if as_json:
        print_json(summary)
        return
    table = Table(title=f"Crawl run {run_id} ({status})", title_justify="left")
    labels = {
        "fetched": "Fetched",
        "new_articles": "New articles",
        "new_versions": "New versions",
        "unchanged": "Unchanged",
        "not_modified": "  of which 304",
        "skipped": "Skipped (robots.txt, non-http)",
        "failed": "Failed",
    }
    table.add_column("")
    table.add_column("Pages", justify="right")
    for key, label in labels.items():
        table.add_row(label, str(summary[key]))
    out.print(table)
    for note in counts.notes[:10]:
        out.print(f"  [yellow]note[/yellow] {escape(note['url'])}: {escape(note['note'])}")
    if len(counts.notes) > 10:
        out.print(f"  ... and {len(counts.notes) - 10} more notes (labscope runs --json)")
    for error in counts.errors[:10]:
        out.print(f"  [red]failed[/red] {escape(error['url'])}: {escape(error['reason'])}")
    if len(counts.errors) > 10:
        out.print(f"  ... and {len(counts.errors) - 10} more (labscope runs --json)")


def print_articles(rows: list[Any]) -> None:
    table = Table(
        "ID",
        "Published",
        "Source",
        "Title",
        "V",
        title=f"{len(rows)} articles",
        title_justify="left",
    )
    for row in rows:
        table.add_row(
            str(row.id),
            when(row.published or row.first_seen),
            row.source,
            escape(row.title),
            str(row.versions),
        )
    out.print(table)


def print_hits(hits: list[Any], all_versions: bool) -> None:
    """Search results: title, where it is, and the snippet with its matches highlighted."""
    if not hits:
        out.print("No match.")
        return
    for hit in hits:
        published = when(hit.published) if hit.published else "undated"
        found_in = (
            f" · matches in versions {', '.join(map(str, hit.versions))}" if all_versions else ""
        )
        where = f"#{hit.id} · {escape(hit.source)} · {published}{found_in}"
        out.print(f"[bold]{escape(hit.title)}[/bold]  [dim]{where}[/dim]")
        out.print(f"  [dim]{escape(hit.url)}[/dim]")
        marked = escape(hit.snippet).replace("«", "[reverse]").replace("»", "[/reverse]")
        out.print(f"  {marked}\n")


def print_json(value: Any) -> None:
    click.echo(dumps(value))


def when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "-"


@contextmanager
def progress(quiet: bool) -> Iterator[Callable[[RunCounts], None] | None]:
    """A live line of counts on stderr while a crawl runs (only on a terminal)."""
    if quiet or not err.is_terminal:
        yield None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("crawling")

        def update(counts: RunCounts) -> None:
            progress.update(
                task,
                description=(
                    f"fetched {counts.fetched} · new articles {counts.new_articles} · "
                    f"new versions {counts.new_versions} · unchanged {counts.unchanged} · "
                    f"failed {counts.failed}"
                ),
            )

        yield update


def write_atomically(path: Path, text: str) -> None:
    """Write whole or not at all, so a reader never sees half a digest (see cli_output)."""
    write_output(path, [text])


def print_stats(stats: Any) -> None:
    table = Table("", "Count", title="Archive", title_justify="left")
    for label, value in (
        ("Sources", stats.sources),
        ("Articles", stats.articles),
        ("Versions", stats.versions),
        ("Removed articles", stats.removed),
        *((f"Edits: {kind}", n) for kind, n in stats.edits.items()),
        *((f"Entities: {kind}", n) for kind, n in stats.entities.items()),
    ):
        table.add_row(label, str(value))
    out.print(table)
    busiest = Table(
        "Entity",
        "Type",
        "Articles",
        title=f"Busiest since {when(stats.since)}",
        title_justify="left",
    )
    for entity in stats.busiest:
        busiest.add_row(escape(entity.name), entity.type, str(entity.articles))
    out.print(busiest)


def write_lines(path: Path | None, lines: Iterator[str], *, bom: bool = False) -> None:
    """Stream `lines` to stdout, or to `path` whole or not at all (see cli_output)."""
    if path is None:
        if bom:
            sys.stdout.write("\ufeff")
        sys.stdout.writelines(lines)
        return
    write_output(path, lines, bom=bom)
