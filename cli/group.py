"""The `labscope` click group and its entry point: every error a user can cause is one line.

The commands live in the other modules of this package and register themselves on `cli` when
cli/__init__.py imports them.
"""

from __future__ import annotations

import importlib.metadata
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
