"""The first-steps commands: `init` writes the default config.toml, `check` validates one.

Neither fetches anything nor opens a database, so both are safe to run anywhere; they register
themselves on the `cli` group when imported.
"""

from __future__ import annotations

import importlib.resources
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from cli.context import Context
from cli.group import cli
from cli.output import err, fitted, out, print_json, when
from crawler.config import Config, SourceConfig
from crawler.config.check import check_config
from crawler.errors import ConfigError
from crawler.schedule import next_scheduled


def default_config_text() -> str:
    """The repository's config.toml, shipped inside the package (crawler/data/config.toml is a
    link to it), so `init` writes exactly the file the README documents and the tests load."""
    return (importlib.resources.files("crawler") / "data" / "config.toml").read_text("utf-8")


@cli.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.pass_obj
def init(obj: Context, path: Path | None) -> None:
    """Write the default, commented config.toml (to PATH, else to --config); never overwrite."""
    target = path or obj.config_path
    if target.is_dir():
        target = target / "config.toml"
    text = default_config_text()
    try:
        with target.open("x", encoding="utf-8") as handle:  # "x": fails if it exists, no race
            handle.write(text)
    except FileExistsError:
        fix = "edit it and run `labscope check`, or give init another PATH"
        raise ConfigError(f"{target} already exists; {fix}") from None
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror}; choose another PATH") from None
    config, _ = check_config(target)
    counted = ""
    if config is not None:
        enabled = sum(source.enabled for source in config.sources)
        counted = f" ({len(config.sources)} sources, {enabled} enabled)"
    err.print(f"Wrote {escape(str(target))}{counted}.")
    flag = "" if target == Path("config.toml") else f"--config {target} "
    err.print(f"Next: labscope {escape(flag)}check, then labscope {escape(flag)}crawl")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def check(obj: Context, as_json: bool) -> None:
    """Validate config.toml and list each source's kind, schedule and next run (fetches nothing)."""
    config, errors = check_config(obj.config_path)
    if config is None:
        if as_json:
            print_json(
                {
                    "config": str(obj.config_path),
                    "valid": False,
                    "errors": [str(e) for e in errors],
                    "sources": [],
                }
            )
        for error in errors:
            err.print(f"labscope: error: {escape(str(error))}", soft_wrap=True)
        raise SystemExit(2)  # after every line; click's ctx.exit is swallowed by main()
    now = datetime.now(UTC)
    rows = [_source_row(config, source, now) for source in config.sources]
    if as_json:
        print_json({"config": str(obj.config_path), "valid": True, "errors": [], "sources": rows})
        return
    table = Table(
        "Source",
        "Kind",
        "Schedule",
        "Next run",
        title_justify="left",
        title=f"{escape(str(obj.config_path))}: valid, {len(rows)} sources",
    )
    for row in rows:
        next_run = row["next_run"]
        shown = when(next_run) if isinstance(next_run, datetime) else row["note"]
        table.add_row(
            escape(str(row["name"])),
            str(row["kind"]),
            str(row["schedule"] or "-"),
            escape(str(shown)),
        )
    out.print(fitted(table))


def _source_row(config: Config, source: SourceConfig, now: datetime) -> dict[str, object]:
    """What check says of one source; its next run as if no crawl had run (none is read)."""
    cron = source.schedule or (None if source.every else config.crawl.schedule)
    schedule = f"every {source.every}" if source.every else cron
    next_run = next_scheduled(cron, source.every, now) if source.enabled else None
    note = "disabled" if not source.enabled else "" if next_run else "not scheduled"
    return {
        "name": source.name,
        "kind": source.kind,
        "url": source.url,
        "enabled": source.enabled,
        "schedule": schedule,
        "next_run": next_run,
        "note": note,
    }
