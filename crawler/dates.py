"""Dates as pages, feeds and sitemaps write them: ISO 8601, with or without a zone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def iso_datetime(value: Any) -> datetime | None:
    """An aware datetime from an ISO date or datetime ("Z" allowed; no zone means UTC), or
    None for anything else: a bad date in scraped data is a missing date, not an error."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
