"""How the CLI shows things: tables, JSON and the live progress line."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from cli.writing import write_output
from storage.json_text import dumps

if TYPE_CHECKING:
    from storage.runs import RunCounts

# Piped output is read by people too: wider than rich's 80-column default for non-terminals,
# unless $COLUMNS says how wide (rich reads it when no width is given).
_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
out = Console(highlight=False, soft_wrap=True, width=_WIDTH)
# Long text (articles, digests) is wrapped between words only for a known width; piped without
# $COLUMNS it stays one line a paragraph, for grep and for scripts.
WRAP = _WIDTH is None
# Columns whose values are names a user types back (ids, sources, versions): never cut or folded.
WHOLE = ("ID", "Run", "Source", "Version", "V", "Job")
err = Console(stderr=True, highlight=False)


def run_summary(run_id: int | None, status: str, counts: RunCounts) -> dict[str, Any]:
    """A crawl run as `crawl --json` prints it."""
    return {
        "run_id": run_id,
        "status": status,
        **{k: v for k, v in dataclasses.asdict(counts).items() if k != "errors"},
        "errors": counts.errors,
    }


EDIT_NAMES = {"substantive": "the edit", "correction": "the correction", "minor": "a minor edit"}


def print_demo_closing(url: str, edits: list[Any]) -> None:
    """The demo's last lines: where the archive is, and the commands that show its changes."""
    db = f"labscope --db {url}"
    lines = [
        f"\nStored in {url}. Review what changed between the two crawls:",
        f"  {db} digest",
        *(
            f"  {db} diff {edit.article_id}   # {EDIT_NAMES.get(edit.kind, edit.kind)}"
            for edit in edits
        ),
        f"  {db} entities --unrecognised   # new names",
        f"  {db} serve   # in the browser",
    ]
    for line in lines:
        out.print(escape(line))


def print_run(run_id: int, status: str, counts: RunCounts, as_json: bool) -> None:
    summary = run_summary(run_id, status, counts)
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
    out.print(fitted(table))
    enqueued = sum(tallies.get("enqueued", 0) for tallies in counts.by_source.values())
    if enqueued:  # [crawl] frontier: the workers fetch these
        out.print(
            f"Enqueued {enqueued} article requests for the workers ([crawl] frontier)", markup=False
        )
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
        title = escape(row.title)
        if row.removed:  # said on the row itself, not only in the digest of that day
            title += f"\n[red]removed {escape(removal_line(row.removed))}[/red]"
        table.add_row(
            str(row.id),
            when(row.published or row.first_seen),
            row.source,
            title,
            str(row.versions),
        )
    out.print(fitted(table))


def removal_line(removed: Any) -> str:
    """An article's removal in one line: when, and the notice or status that said so."""
    return f"{when(removed.at)}: {removed.reason}"


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
        out.print(f"[bold]{escape(hit.title)}[/bold]  [dim]{where}[/dim]", soft_wrap=not WRAP)
        out.print(f"  [dim]{escape(hit.url)}[/dim]")
        marked = escape(hit.snippet).replace("«", "[reverse]").replace("»", "[/reverse]")
        if WRAP:  # under its indentation, between words
            out.print(
                Padding(Text.from_markup(marked), (0, 0, 1, 2), expand=False), soft_wrap=False
            )
        else:
            out.print(f"  {marked}\n")


def fitted(table: Table) -> Table:
    """`table` made to fit the console without losing a character: every column wraps (rich
    would cut a long value to "…"), and the WHOLE columns keep their longest value on one line,
    so the title or URL columns give way instead."""
    for column in table.columns:
        column.overflow = "fold"
        if str(column.header) in WHOLE:
            column.no_wrap = True
            widths = [cell_len(str(c)) for c in (column.header, *column.cells)]
            column.min_width = max(widths)
    return table


def paragraphs(text: str) -> str:
    """Stored text has one paragraph a line; on a terminal a wrapped paragraph would run into
    the next, so a blank line separates them."""
    return "\n\n".join(line for line in text.splitlines() if line.strip())


def print_wrapped(text: str) -> None:
    """Print a rendered text (a digest, a diff; ANSI colours kept) within the console's width:
    each long line wrapped between words under its own indentation, so a bullet's lines stay
    together. A word wider than the line (a long URL) goes on over lines of its own."""
    if not WRAP:
        click.echo(text)
        return
    width = out.width
    for line in text.split("\n"):
        styled = Text.from_ansi(line)
        if cell_len(styled.plain) <= width:
            out.print(styled, soft_wrap=True)
            continue
        indent = len(styled.plain) - len(styled.plain.lstrip(" "))
        for part in styled[indent:].wrap(out, max(width - indent, 20), overflow="fold"):
            part.rstrip()
            out.print(Text(" " * indent) + part, soft_wrap=True)


def print_json(value: Any) -> None:
    click.echo(dumps(value))


def when(value: datetime | None) -> str:
    """A time as the CLI shows it: in UTC, and saying so, since stored times are UTC whatever
    the reader's zone."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "-"


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
    """Write whole or not at all, so a reader never sees half a digest (see cli.writing)."""
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
    out.print(fitted(table))
    busiest = Table(
        "Entity",
        "Type",
        "Articles",
        title=f"Busiest since {when(stats.since)}",
        title_justify="left",
    )
    for entity in stats.busiest:
        busiest.add_row(escape(entity.name), entity.type, str(entity.articles))
    out.print(fitted(busiest))


def write_lines(path: Path | None, lines: Iterator[str], *, bom: bool = False) -> None:
    """Stream `lines` to stdout, or to `path` whole or not at all (see cli.writing)."""
    if path is None:
        if bom:
            sys.stdout.write("\ufeff")
        sys.stdout.writelines(lines)
        return
    write_output(path, lines, bom=bom)
