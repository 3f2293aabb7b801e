"""labscope's command line: parse options, call one library function, format the answer."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import logging
import os
import sys
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from cli_format import (
    err,
    fitted,
    out,
    print_articles,
    print_demo_closing,
    print_json,
    print_run,
    progress,
    run_summary,
    when,
)
from crawler.config import Config, load_config
from crawler.entity_kb import KnowledgeBase
from crawler.errors import ConfigError, CrawlerError
from crawler.schedule_config import default_recheck
from storage.changes import ChangeRules
from storage.db import Database, open_database
from storage.errors import StorageError
from storage.health import source_health
from storage.queries import (
    list_articles,
    list_runs,
)
from storage.runs import RunCounts


@dataclasses.dataclass
class Context:
    """What the global options say: where the config and the database are."""

    config_path: Path
    db_url: str | None
    verbose: bool

    def config(self) -> Config:
        return load_config(self.config_path)

    def database(self) -> Database:
        """The archive, for commands that read it: one that does not exist is an error."""
        return open_database(self.db_url or self.config().storage.url, create=False)

    def configured_sources(self) -> list[str]:
        """The source names config.toml lists; none when --db is used without a config."""
        try:
            return [source.name for source in self.config().sources]
        except ConfigError:
            return []

    def recheck_steps(self) -> list[tuple[timedelta, timedelta]]:
        """The [recheck] schedule, or the default one when --db is used without a config."""
        try:
            steps = self.config().recheck.steps
        except ConfigError:
            if not self.db_url:
                raise
            steps = default_recheck().steps
        return [(step.interval, step.until) for step in steps]

    def knowledge(self) -> KnowledgeBase:
        """The bundled knowledge base with the config's own [[entities]], if it is readable."""
        try:
            extra = self.config().entities
        except ConfigError:
            extra = ()
        return KnowledgeBase.default().with_entities(extra)

    def entity_name(self, name: str) -> str:
        """The canonical name of an entity given by any alias ("月之暗面" -> "Moonshot AI")."""
        entity = self.knowledge().lookup(name)
        return entity.name if entity else name

    def change_rules(self) -> dict[str, ChangeRules]:
        """Each source's noise rules, so diffs show what the stored summaries counted.

        With --db and no readable config, there are none: the diff is then of the exact texts.
        """
        try:
            return self.config().change_rules()
        except ConfigError:
            if self.db_url:
                return {}
            raise


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
@click.version_option(package_name="labscope", message="%(prog)s %(version)s")
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
    with progress(quiet=as_json) as on_progress:
        result = run_crawl(
            config, db, list(sources) or None, on_progress=on_progress, log_level=_log_level(obj)
        )
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


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@click.pass_obj
def recheck(obj: Context, as_json: bool) -> None:
    """Fetch again the known articles that are due on the [recheck] schedule, once."""
    from crawler.run import run_recheck

    config = obj.config()
    db = open_database(obj.db_url or config.storage.url)
    with progress(quiet=as_json) as on_progress:
        result = run_recheck(config, db, on_progress=on_progress, log_level=_log_level(obj))
    if result is None:
        if as_json:  # an object like any run's, so a script reads one shape
            print_json(run_summary(None, "nothing due", RunCounts()))
        else:
            out.print("No article is due for a recheck.")
        return
    print_run(result.run_id, result.status, result.counts, as_json)


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


def _log_level(obj: Context) -> str:
    """Per-page problems are in the run summary; Scrapy's own log only with --verbose."""
    return "INFO" if obj.verbose else "CRITICAL"


REINSTALL = "pip install -r requirements.lock && pip install --no-deps --no-build-isolation -e ."


def broken_install(exc: ImportError) -> str:
    """One line for a dependency that does not import: which package failed, on what, and the
    command that mends it. A release elsewhere in the tree (lxml 5.2 moving `lxml.html.clean`
    out) breaks an import, not labscope, and the user needs the fix, not a bug report."""
    missing = exc.name
    cause: BaseException | None = exc
    while missing is None and cause is not None:  # lxml re-raises with `from None`
        missing = getattr(cause, "name", None)
        cause = cause.__context__
    owners = importlib.metadata.packages_distributions()  # top-level module -> distributions
    importer = "labscope"
    for frame, _ in traceback.walk_tb(exc.__traceback__):  # the innermost installed package
        top = str(frame.f_globals.get("__name__", "")).partition(".")[0]
        if top in owners:
            importer = f"{owners[top][0]} {importlib.metadata.version(owners[top][0])}"
    reason = (str(exc).splitlines() or [type(exc).__name__])[0]
    return (
        f"broken install: {importer} cannot import {missing or 'a module'} ({reason}); "
        f"mend it in labscope's checkout with: {REINSTALL}"
    )


def undecodable_argument(args: list[str]) -> str | None:
    """The first argument holding bytes that are not UTF-8, as the error line says it.

    Python hands such bytes over as lone surrogates, which every later encode (SQL, output)
    fails on: refusing them here keeps that from becoming an internal error deep in a command."""
    for arg in args:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = os.fsencode(arg).decode("utf-8", "backslashreplace")
            return (
                f"argument {shown} is not valid UTF-8; "
                "type it again in a UTF-8 terminal (or set LANG=C.UTF-8)"
            )
    return None


def main() -> None:
    """Entry point: every error a user can cause ends in one line on stderr and exit status 2."""
    if problem := undecodable_argument(sys.argv[1:]):
        err.print(f"labscope: error: {escape(problem)}", soft_wrap=True)
        sys.exit(2)
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
    except ImportError as exc:
        err.print(f"labscope: {escape(broken_install(exc))}", soft_wrap=True)
        sys.exit(1)
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


# The archive and web commands register themselves on `cli` when imported.
import cli_archive  # noqa: E402, F401
import cli_serve  # noqa: E402, F401
import cli_setup  # noqa: E402, F401
import cli_try  # noqa: E402, F401

if __name__ == "__main__":
    import cli as importable  # the module cli_archive registers its commands on

    importable.main()
