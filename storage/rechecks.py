"""Which known articles are due to be fetched again, on a decaying schedule.

An article is checked often while it is young and less as it ages, then not at all; its age
counts from its last edit, so an edit makes it young again (NewsDiffs and NewsSniffer work the
same way). Everything is derived from first seen, last changed and last checked: no stored
next-check time can go stale when the schedule in config.toml changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Article, Source, Version

# (interval, until): check every `interval` while the article is younger than `until`.
Steps = Sequence[tuple[timedelta, timedelta]]


@dataclass(frozen=True)
class DueArticle:
    article_id: int
    url: str
    source: str
    due: datetime


def next_check(
    first_seen: datetime, last_changed: datetime, last_checked: datetime, steps: Steps
) -> datetime | None:
    """When to check again (None: never), given the article's history and the schedule."""
    young_since = max(first_seen, last_changed)
    age = last_checked - young_since
    for interval, until in steps:
        if age < until:
            return last_checked + interval
    return None


def due_articles(session: Session, steps: Steps, now: datetime, limit: int) -> list[DueArticle]:
    """Up to `limit` articles whose next check is at or before `now`, most overdue first."""
    last_changed = (
        select(Version.article_id, func.max(Version.fetched_at).label("changed"))
        .group_by(Version.article_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Article.id,
            Article.url,
            Source.name,
            Article.first_seen,
            Article.last_checked,
            last_changed.c.changed,
        )
        .join(Source, Source.id == Article.source_id)
        .join(last_changed, last_changed.c.article_id == Article.id)
    )
    due = []
    for article_id, url, source, first_seen, last_checked, changed in rows:
        when = next_check(first_seen, _aware(changed, first_seen), last_checked, steps)
        if when is not None and when <= now:
            due.append(DueArticle(article_id, url, source, when))
    due.sort(key=lambda article: article.due)
    return due[:limit]


def _aware(value: datetime, like: datetime) -> datetime:
    """max() over a UTC column comes back naive from SQLite: give it the zone of its peers."""
    return value if value.tzinfo else value.replace(tzinfo=like.tzinfo)
