"""The `labscope` click group and its entry point: every error a user can cause is one line.

The commands live in the other modules of this package and register themselves on `cli` when
imported; the group imports a command's module only when that command runs. Importing them all
(Scrapy for `crawl`, SQLAlchemy's ORM for the archive, FastAPI for `serve`) cost every command,
`--help` included, half a second before it did anything (issue 22).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from pathlib import Path

import click
from rich.markup import escape

from cli.context import Context
from cli.output import err
from crawler.errors import CrawlerError
from storage.errors import StorageError

COMMANDS = {
    "articles": ("cli.articles", "List stored articles, newest first."),
    "check": (
        "cli.setup",
        "Validate config.toml and list each source's kind, schedule and next run "
        "(fetches nothing).",
    ),
    "crawl": ("cli.crawl", "Crawl every configured source once (or only --source NAME ...)."),
    "demo": (
        "cli.crawl",
        "Serve the bundled demo news site on 127.0.0.1 and crawl it (works offline).",
    ),
    "diff": (
        "cli.archive",
        "Show what changed between two versions of an article, sentence by sentence.",
    ),
    "digest": (
        "cli.archive",
        "What changed in a period: new and edited articles, new entities, removed articles.",
    ),
    "entities": (
        "cli.archive",
        "List the labs, companies, models and people the archive names, newest first.",
    ),
    "export": (
        "cli.archive",
        "Export articles (or every version) with metadata, text and entities, streamed.",
    ),
    "init": (
        "cli.setup",
        "Write the default, commented config.toml (to PATH, else to --config); never overwrite.",
    ),
    "recheck": (
        "cli.crawl",
        "Fetch again the known articles that are due on the [recheck] schedule, once.",
    ),
    "recluster": (
        "cli.stories",
        "Group the whole archive into stories again (after the knowledge base or rules changed).",
    ),
    "rejudge": (
        "cli.archive",
        "Judge the stored edits again with today's rules; say what would change (--apply: do it).",
    ),
    "runs": ("cli.status", "List recent crawl runs and what each found."),
    "schedule": (
        "cli.schedule",
        "Run the scheduler in the foreground: crawls, rechecks and digests (Ctrl-C stops it).",
    ),
    "search": (
        "cli.archive",
        'Full-text search: words, "phrases", prefix*, AND / OR / NOT, Chinese too.',
    ),
    "serve": (
        "cli.serve",
        "Serve the archive in the browser (digest, articles, diffs, search) and as a JSON API.",
    ),
    "show": ("cli.archive", "Show one article: metadata, text and the list of its versions."),
    "sources": (
        "cli.status",
        "Each configured source's health: last success, last error, articles found.",
    ),
    "stats": (
        "cli.archive",
        "Counts of sources, articles, versions, edits by kind, entities; the busiest entities.",
    ),
    "stories": (
        "cli.stories",
        "List stories: reports of one event across outlets and languages, newest first.",
    ),
    "try": (
        "cli.preview",
        "Fetch URL once as a source would be crawled and show its links and first article, "
        "then the [[sources]] lines to paste; nothing is stored.",
    ),
    "worker": (
        "cli.worker",
        "Fetch, extract and store the article requests crawls put in [crawl] frontier "
        "(Redis), beside any number of workers on this host or others, until stopped or "
        "--idle-exit.",
    ),
}
"""Each command's module and the first line of its help, which `labscope --help` lists without
importing the module (tests/test_docs.py holds each line to the command's own docstring)."""


class LazyGroup(click.Group):
    """A group whose commands are imported when they are named (click's documented pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(COMMANDS[cmd_name][0])  # its decorators register it here
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from COMMANDS: `--help` imports none of the commands."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [  # shortened as click shortens a command's own help
            (name, click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit))
            for name in sorted(COMMANDS)
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    import importlib.metadata  # only here, for a broken install: 50 ms of every start-up

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
