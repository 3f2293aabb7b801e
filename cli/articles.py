"""`labscope articles`: the stored articles, newest first, answered at once.

On a SQLite archive the rows come from storage.lean, which needs neither SQLAlchemy nor the
whole config (only where the archive is); anything it cannot answer (PostgreSQL, an archive to
migrate, an unknown name, an --entity when the config adds [[entities]] to the knowledge base)
goes to the ORM reader, imported only then, which also words every error.
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
    # A bad option is named before a missing database; the entity is named by whichever
    # reader answers (its canonical name may depend on the whole config).
    filters = filters_from(obj, **{**options, "entity": None})
    filters = dataclasses.replace(filters, removed=removed)
    rows = _lean(obj, filters, options["entity"], sort, limit)
    if rows is None:
        named = dataclasses.replace(
            filters, entity=obj.entity_name(options["entity"]) if options["entity"] else None
        )
        rows = _through_the_orm(obj, options, named, sort, limit)
    if as_json:
        print_json([dataclasses.asdict(row) for row in rows])
    else:
        print_articles(rows)


def _lean(
    obj: Context, filters: Filters, entity: str | None, sort: Sort, limit: int | None
) -> list[ArticleSummary] | None:
    """The rows from storage.lean, or None where it cannot answer."""
    file = obj.sqlite_file()
    if file is None:
        return None
    if entity:
        name = obj.bundled_entity_name(entity)
        if name is None:
            return None
        filters = dataclasses.replace(filters, entity=name)
    return lean.list_articles(file, filters=filters, sort=sort, limit=limit)


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
