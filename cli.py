"""labscope's command line: parse options, call one library function, format the answer."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from crawler.config import Config, load_config
from crawler.errors import CrawlerError
from crawler.urls import canonicalize, is_http_url
from storage.db import Database, open_database
from storage.errors import StorageError
from storage.queries import article_detail, find_article, list_articles, list_runs
from storage.runs import RunCounts

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


@dataclasses.dataclass
class Context:
    """What the global options say: where the config and the database are."""

    config_path: Path
    db_url: str | None
    verbose: bool

    def config(self) -> Config:
        return load_config(self.config_path)

    def database(self) -> Database:
        return open_database(self.db_url or self.config().storage.url)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default="config.toml",
    envvar="LABSCOPE_CONFIG",
    show_default=True,
    help="Configuration file (also $LABSCOPE_CONFIG).",
)
@click.option("--db", "db_url", envvar="LABSCOPE_DB", help="Database URL; overrides [storage] url.")
@click.option("-v", "--verbose", is_flag=True, help="Log each page as it is crawled.")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, db_url: str | None, verbose: bool) -> None:
    """Watch the news about Chinese AI labs and track how the coverage changes."""
    ctx.obj = Context(config_path, db_url, verbose)


@cli.command()
@click.option("--source", "sources", multiple=True, help="Crawl only this source (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.pass_obj
def crawl(obj: Context, sources: tuple[str, ...], as_json: bool) -> None:
    """Crawl every configured source once (or only --source NAME ...)."""
    from crawler.run import run_crawl

    config = obj.config()
    db = open_database(obj.db_url or config.storage.url)
    with _progress(quiet=as_json) as on_progress:
        result = run_crawl(
            config, db, list(sources) or None, on_progress=on_progress, log_level=_log_level(obj)
        )
    _print_run(result.run_id, result.status, result.counts, as_json)


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
    from crawler.demo import DEMO_DB_URL, run_demo

    url = obj.db_url or DEMO_DB_URL
    db = open_database(url)
    with _progress(quiet=as_json) as on_progress:
        result = run_demo(
            db,
            port,
            on_progress=on_progress,
            on_serving=None
            if as_json
            else lambda site: err.print(f"Serving the demo site at {site}"),
        )
    _print_run(result.run_id, result.status, result.counts, as_json)
    if as_json:
        return
    with db.reading() as session:
        _print_articles(list_articles(session))
    out.print(
        f"\nStored in {url}. Explore it:\n"
        f"  labscope --db {url} articles\n"
        f"  labscope --db {url} show 1"
    )


@cli.command()
@click.option(
    "--source", "sources", multiple=True, help="Only articles from this source (repeatable)."
)
@click.option(
    "--since", type=str, help="Published (or first seen) on or after: 2025-01-28, 7d, 24h."
)
@click.option("--limit", type=click.IntRange(1, 1_000_000), help="At most this many articles.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def articles(
    obj: Context, sources: tuple[str, ...], since: str | None, limit: int | None, as_json: bool
) -> None:
    """List stored articles, newest first."""
    when = _parse_since(since) if since else None
    db = obj.database()
    with db.reading() as session:
        rows = list_articles(session, sources=list(sources) or None, since=when, limit=limit)
    if as_json:
        _print_json([dataclasses.asdict(row) for row in rows])
    else:
        _print_articles(rows)


@cli.command()
@click.argument("ref", metavar="ID|URL")
@click.option(
    "--version", "version", type=click.IntRange(min=1), help="Show this version (default: latest)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show(obj: Context, ref: str, version: int | None, as_json: bool) -> None:
    """Show one article: metadata, text and the list of its versions."""
    db = obj.database()
    variants = [canonicalize(ref)] if is_http_url(ref) else []
    with db.reading() as session:
        detail = article_detail(session, find_article(session, ref, *variants), version)
    if as_json:
        _print_json(dataclasses.asdict(detail))
        return
    out.print(f"[bold]{escape(detail.title)}[/bold]")
    out.print(escape(detail.url))
    facts = [
        ("Source", detail.source),
        ("Published", _when(detail.published)),
        ("Authors", ", ".join(detail.authors) or "-"),
        ("Language", detail.language or "-"),
        ("First seen", _when(detail.first_seen)),
        ("Last checked", _when(detail.last_checked)),
        ("Version", f"{detail.version} of {len(detail.versions)}"),
    ]
    for label, value in facts:
        out.print(f"[dim]{label:>12}[/dim]  {escape(value)}")
    out.print()
    out.print(escape(detail.text))
    table = Table("Version", "Fetched", "Title", title="Versions", title_justify="left")
    for v in detail.versions:
        table.add_row(str(v.number), _when(v.fetched_at), escape(v.title))
    out.print()
    out.print(table)


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
        _print_json([dataclasses.asdict(row) for row in rows])
        return
    table = Table("Run", "Started", "Status", "Trigger", "Fetched", "New", "Versions", "Failed")
    for r in rows:
        table.add_row(
            str(r.id),
            _when(r.started),
            r.status,
            r.trigger,
            str(r.fetched),
            str(r.new_articles),
            str(r.new_versions),
            str(r.failed),
        )
    out.print(table)


def _print_run(run_id: int, status: str, counts: RunCounts, as_json: bool) -> None:
    summary = {
        "run_id": run_id,
        "status": status,
        **{k: v for k, v in dataclasses.asdict(counts).items() if k != "errors"},
        "errors": counts.errors,
    }
    if as_json:
        _print_json(summary)
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
    for error in counts.errors[:10]:
        out.print(f"  [red]failed[/red] {escape(error['url'])}: {escape(error['reason'])}")
    if len(counts.errors) > 10:
        out.print(f"  ... and {len(counts.errors) - 10} more (labscope runs --json)")


def _print_articles(rows: list[Any]) -> None:
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
            _when(row.published or row.first_seen),
            row.source,
            escape(row.title),
            str(row.versions),
        )
    out.print(table)


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "-"


def _parse_since(text: str) -> datetime:
    """A date, an ISO datetime, or an age like 7d / 24h / 30m."""
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if text[-1:] in units and text[:-1].isdigit():
        return datetime.now(UTC) - timedelta(**{units[text[-1]]: int(text[:-1])})
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date; use e.g. 2025-01-28, 2025-01-28T09:00, 7d or 24h",
            param_hint="--since",
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _log_level(obj: Context) -> str:
    """Per-page problems are in the run summary; Scrapy's own log only with --verbose."""
    return "INFO" if obj.verbose else "CRITICAL"


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[RunCounts], None] | None]:
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


def main() -> None:
    """Entry point: every error a user can cause ends in one line on stderr and exit status 2."""
    try:
        cli.main(standalone_mode=False, prog_name="labscope")
    except click.UsageError as exc:
        hint = f" (see: {exc.ctx.command_path} --help)" if exc.ctx else ""
        err.print(f"labscope: error: {escape(exc.format_message())}{hint}", soft_wrap=True)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        err.print("labscope: interrupted")
        sys.exit(130)
    except (CrawlerError, StorageError) as exc:
        err.print(f"labscope: error: {escape(str(exc))}", soft_wrap=True)
        sys.exit(2)
    except click.ClickException as exc:
        err.print(f"labscope: error: {escape(exc.format_message())}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # the last line of defence: no traceback for the user
        if os.environ.get("LABSCOPE_DEBUG"):
            raise
        err.print(
            f"labscope: internal error: {type(exc).__name__}: {escape(str(exc))} "
            "(set LABSCOPE_DEBUG=1 for the traceback, and please report it)",
            soft_wrap=True,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
