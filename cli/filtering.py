"""The filter options `articles` and `search` share, and the moments (--since, --until, --at)
every archive command reads: parsed before the database is opened, so a bad option is named
before a missing archive, and without importing any reader of the archive."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import click

from cli.context import Context
from crawler.dates import parse_moment
from storage.filters import Filters


def filter_options(command: Callable[..., None]) -> Callable[..., None]:
    """The filters `articles` and `search` share, gathered into one Filters by `filters_from`."""
    options = [
        click.option("--source", "sources", multiple=True, help="Only this source (repeatable)."),
        click.option("--entity", help="Only articles naming this entity (any alias)."),
        click.option("--since", help="Published (else first seen) on or after: 2025-01-28, 7d."),
        click.option("--until", help="... and before this date."),
        click.option("--language", help="Only this language: en, zh, ..."),
        click.option("--edited", is_flag=True, help="Only articles with a substantive edit."),
        click.option("--limit", type=click.IntRange(1, 1_000_000), help="At most this many."),
        click.option("--json", "as_json", is_flag=True, help="Print JSON."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def filters_from(
    obj: Context,
    sources: tuple[str, ...],
    entity: str | None,
    since: str | None,
    until: str | None,
    language: str | None,
    edited: bool,
) -> Filters:
    """The Filters the options of `filter_options` say; an entity by any alias, canonical."""
    return Filters(
        sources=list(sources) or None,
        entity=obj.entity_name(entity) if entity else None,
        since=moment(since) if since else None,
        until=moment(until, "--until") if until else None,
        language=language,
        edited=edited,
    )


def moment(text: str, option: str = "--since") -> datetime:
    """The moment an option gives (2025-01-28, 2025-01-28T12:00, 7d, 24h), or a usage error."""
    try:
        return parse_moment(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None
