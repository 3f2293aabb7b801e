"""The story commands: `stories` lists what the archive grouped, `recluster` groups it again.

Stories are grouped as articles are stored (storage.stories); these commands read them, or,
for `recluster`, rebuild them from the whole archive after the grouping rules or the knowledge
base changed. They register themselves on the `cli` group when imported.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from rich.markup import escape
from rich.table import Table

from cli.context import Context
from cli.group import cli
from cli.output import fitted, out, print_json, when
from crawler.dates import parse_moment
from storage.digest.stories import lag_text
from storage.names import check_entity
from storage.stories import regroup
from storage.story_queries import list_stories, story_json


@cli.command()
@click.option("--since", type=str, help="First reported on or after: 2025-01-28, 7d, 24h.")
@click.option("--entity", help="Only stories naming this entity (any alias: 月之暗面).")
@click.option(
    "--min-sources",
    type=click.IntRange(1, 10_000),
    default=1,
    show_default=True,
    help="Only stories reported by at least N outlets.",
)
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def stories(
    obj: Context,
    since: str | None,
    entity: str | None,
    min_sources: int,
    limit: int,
    as_json: bool,
) -> None:
    """List stories: reports of one event across outlets and languages, newest first."""
    try:
        start = parse_moment(since) if since else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    name = obj.entity_name(entity) if entity else None
    knowledge = obj.knowledge()
    db = obj.database()
    with db.reading() as session:
        if name and knowledge.lookup(name) is None:  # a typo, as `articles --entity` says
            check_entity(
                session, name, [a for e in knowledge.entities for a in (e.name, *e.aliases)]
            )
        found = list_stories(
            session, since=start, entity=name, min_sources=min_sources, limit=limit
        )
    if as_json:
        print_json([story_json(story) for story in found])
        return
    if not found:
        out.print("No stories.")
        return
    for story in found:
        languages = ", ".join(story.languages) or "-"
        out.print(
            f"[bold]{story.id}  {escape(story.title)}[/bold]  [dim]{len(story.articles)} reports,"
            f" {len(story.sources)} outlets, {languages}[/dim]"
        )
        table = Table("When", "Lag", "Source", "Title", box=None, show_header=False)
        for report in story.articles:
            table.add_row(
                when(report.at), lag_text(report.lag), escape(report.source), escape(report.title)
            )
        out.print(fitted(table))
        if story.entities:
            out.print(f"[dim]  Entities: {escape(', '.join(story.entities))}[/dim]")
        out.print()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def recluster(obj: Context, as_json: bool) -> None:
    """Group the whole archive into stories again (after the knowledge base or rules changed)."""
    db = obj.database()
    with db.transaction() as session:
        articles, count = regroup(session, datetime.now(UTC))
    if as_json:
        print_json({"articles": articles, "stories": count})
        return
    out.print(f"Grouped {articles} articles into {count} stories.")
