"""`labscope articles`: the stored articles, newest first, answered at once.

On a SQLite archive the rows come from storage.lean, which needs neither SQLAlchemy nor the
whole config (only where the archive is); anything it cannot answer (PostgreSQL, an archive to
migrate, an unknown name, an --entity, which the knowledge base resolves) goes to the ORM
reader, imported only then, which also words every error.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import click

from cli.context import Context
from cli.filtering import filter_options, filters_from
from cli.group import cli
from cli.output import print_articles, print_json
from storage import lean
from storage.filters import SORTS, Filters, Sort
from storage.summaries import ArticleSummary


@cli.command()
@filter_options
@click.option(
    "--sort",
    type=click.Choice(SORTS),
    default="published",
    show_default=True,
    help="Newest first by publication, first seen, last change; or most edited first.",
)
@click.option("--removed", is_flag=True, help="Only articles flagged removed (notice, 404/410).")
@click.pass_obj
def articles(
    obj: Context, /, sort: Sort, limit: int | None, as_json: bool, removed: bool, **options: Any
) -> None:
    """List stored articles, newest first."""
    filters = filters_from(obj, **options)  # a bad option is named before a missing database
    filters = dataclasses.replace(filters, removed=removed)
    file = None if options["entity"] else obj.sqlite_file()
    rows = lean.list_articles(file, filters=filters, sort=sort, limit=limit) if file else None
    if rows is None:
        rows = _through_the_orm(obj, options, filters, sort, limit)
    if as_json:
        print_json([dataclasses.asdict(row) for row in rows])
    else:
        print_articles(rows)


def _through_the_orm(
    obj: Context, options: dict[str, Any], filters: Filters, sort: Sort, limit: int | None
) -> list[ArticleSummary]:
    """The rows from storage.queries, after the names are checked: what every archive gets
    that storage.lean does not answer. Imported here, when needed, for start-up's sake."""
    from cli.names import check_names
    from storage.queries import list_articles

    db = obj.database()
    with db.reading() as session:
        check_names(obj, session, options["sources"], options["entity"])
        return list_articles(session, filters=filters, sort=sort, limit=limit)
