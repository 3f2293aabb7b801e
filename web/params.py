"""Query parameters shared by the pages and the API: filters, periods, limits.

Both parse what a visitor typed the same way the CLI does (`crawler.dates.parse_moment`), and a
bad value is an InputError naming the parameter, answered with 400.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Query

from crawler.dates import parse_moment
from storage.filters import Filters


class InputError(Exception):
    """A parameter a visitor gave cannot be used; the message names it and what to give."""


def moment(value: str | None, name: str) -> datetime | None:
    """A `since`/`until`-style parameter; empty means not given (an HTML form sends "")."""
    if value is None or not value.strip():
        return None
    try:
        return parse_moment(value)
    except ValueError as exc:
        raise InputError(f"{name}: {exc}") from None


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime


def period(since: str | None, until: str | None, default: timedelta) -> Period:
    """[since, until): until defaults to now, since to `default` before until."""
    end = moment(until, "until") or datetime.now(UTC)
    start = moment(since, "since") or end - default
    if start >= end:
        raise InputError("since must be before until")
    return Period(start, end)


SourceParam = Annotated[list[str] | None, Query(description="Only this source (repeatable).")]
EntityParam = Annotated[str | None, Query(description="Only articles naming it (any alias).")]
SinceParam = Annotated[
    str | None, Query(description="Published (else first seen) on or after: 2025-01-28, 7d.")
]
UntilParam = Annotated[str | None, Query(description="... and before this date.")]
LanguageParam = Annotated[str | None, Query(description="Only this language: en, zh, ...")]
EditedParam = Annotated[bool, Query(description="Only articles with a substantive edit.")]


def filters(
    entity_name: str | None,
    sources: list[str] | None,
    since: str | None,
    until: str | None,
    language: str | None,
    edited: bool,
) -> Filters:
    """The Filters the CLI's --source/--entity/--since/--until/--language/--edited build."""
    return Filters(
        sources=[s for s in sources or [] if s] or None,
        entity=entity_name or None,
        since=moment(since, "since"),
        until=moment(until, "until"),
        language=(language or "").strip() or None,
        edited=edited,
    )
