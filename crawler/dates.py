"""Dates as pages, feeds and sitemaps write them (ISO 8601, with or without a zone), and as
users type them for --since and the web app's period fields (also ages: 7d, 24h, 30m)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from typing import Any

# The impossible dates `storable` dropped inside `dropped_dates()`, for the run's notes.
_dropped: ContextVar[list[str] | None] = ContextVar("dropped_dates", default=None)


def iso_datetime(value: Any) -> datetime | None:
    """An aware datetime from an ISO date or datetime ("Z" allowed; no zone means UTC), or
    None for anything else: a bad date in scraped data is a missing date, not an error."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return storable(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


def storable(moment: datetime) -> datetime | None:
    """`moment` if it has a UTC equivalent, else None. 9999-12-31T23:59:59-14:00 parses, but in
    UTC it is in the year 10000, which no datetime (and no database column) holds: stored, it
    failed the article, or raised out of a feed's parsing and lost every entry of the feed."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        dropped = _dropped.get()
        if dropped is not None and moment.isoformat() not in dropped:
            dropped.append(moment.isoformat())
        return None
    return moment


@contextmanager
def dropped_dates() -> Iterator[list[str]]:
    """Collects the impossible dates dropped meanwhile (in this thread or task), so the caller,
    who knows the URL and the run, can say so: a dropped date is a hint lost, worth a note."""
    dropped: list[str] = []
    token = _dropped.set(dropped)
    try:
        yield dropped
    finally:
        _dropped.reset(token)


def dropped_note(value: str) -> str:
    return f"dropped impossible date {value} (not a moment in UTC between years 1 and 9999)"


_AGE_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_moment(text: str, now: datetime | None = None) -> datetime:
    """What a user typed for a moment: a date, an ISO datetime (no zone: UTC), or an age like
    7d / 24h / 30m before `now`. ValueError says what to type instead."""
    text = text.strip()
    try:
        # isdecimal, not isdigit: int() reads "７" (fullwidth) but not "²" (a superscript).
        if text[-1:] in _AGE_UNITS and text[:-1].isdecimal():
            age = timedelta(**{_AGE_UNITS[text[-1]]: int(text[:-1])})
            return (now or datetime.now(UTC)) - age
        parsed = iso_datetime(text)
        if parsed is not None:
            return parsed.astimezone(UTC)
    except (OverflowError, ValueError):  # e.g. 99999999d, or year 9999 east of UTC
        hint = "give a date between the years 1 and 9999"
        raise ValueError(f"{text!r} is out of range; {hint}") from None
    example = "2025-01-28, 2025-01-28T09:00, 7d or 24h"
    raise ValueError(f"{text!r} is not a date; use e.g. {example}")
