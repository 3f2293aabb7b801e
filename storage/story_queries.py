"""Reading stories back: the list (`labscope stories`, /stories, /api/stories), one story with
the lag of each report behind the first, and the story an article belongs to.

A story's page is a handful of queries whatever its size: the stories, then their reports in
one query, then the entities of those reports' latest versions in one more. The list filters on
indexed story columns (first_seen, sources), so it does not aggregate over the archive.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from storage.errors import NotFoundError
from storage.models import Article, Entity, Mention, Source, Story, StoryArticle, Version

MAX_ENTITIES = 20  # a story's most-named entities; a long tail says nothing about the event


@dataclass(frozen=True)
class Report:
    """One article of a story, and how long after the story's first report it appeared."""

    id: int
    url: str
    title: str
    source: str
    published: datetime | None
    language: str | None
    at: datetime  # published, else first seen: what the story's order and lags are by
    lag: timedelta
    edits: int = 0  # versions after the first: the report changed since it was published


@dataclass(frozen=True)
class StoryView:
    id: int
    title: str
    first_seen: datetime
    articles: list[Report]
    sources: list[str]
    languages: list[str]
    entities: list[str]

    @property
    def first(self) -> Report:
        return self.articles[0]


def list_stories(
    session: Session,
    *,
    since: datetime | None = None,
    entity: str | None = None,
    min_sources: int = 1,
    limit: int = 50,
) -> list[StoryView]:
    """Stories first seen on or after `since`, newest first, with at least `min_sources` outlets;
    `entity` (a canonical name) keeps stories one of whose articles names it."""
    query = select(Story.id).order_by(Story.first_seen.desc(), Story.id.desc()).limit(limit)
    if since is not None:
        query = query.where(Story.first_seen >= since)
    if min_sources > 1:
        query = query.where(Story.sources >= min_sources)
    if entity is not None:
        named = (
            select(StoryArticle.article_id)
            .join(Article, Article.id == StoryArticle.article_id)
            .join(Mention, Mention.version_id == Article.latest_version_id)
            .join(Entity, Entity.id == Mention.entity_id)
            .where(StoryArticle.story_id == Story.id, Entity.name == entity)
        )
        query = query.where(exists(named))
    return _views(session, list(session.scalars(query)))


def story_detail(session: Session, story_id: int) -> StoryView:
    views = _views(session, [story_id])
    if not views:
        raise NotFoundError(f"no story {story_id}; `labscope stories` lists them")
    return views[0]


def story_of(session: Session, article_id: int) -> tuple[int, str] | None:
    """The id and title of the story holding the article (None before `recluster` gave
    articles stored before stories existed one)."""
    row = session.execute(
        select(Story.id, Story.title)
        .join(StoryArticle, StoryArticle.story_id == Story.id)
        .where(StoryArticle.article_id == article_id)
    ).first()
    return (row[0], row[1]) if row else None


def _views(session: Session, ids: list[int]) -> list[StoryView]:
    if not ids:
        return []
    stories = {s.id: s for s in session.scalars(select(Story).where(Story.id.in_(ids)))}
    rows = session.execute(
        select(
            StoryArticle.story_id,
            StoryArticle.at,
            Article.id,
            Article.url,
            Version.id,
            Version.title,
            Version.published,
            Version.language,
            Source.name,
        )
        .join(Article, Article.id == StoryArticle.article_id)
        .join(Version, Version.id == Article.latest_version_id)
        .join(Source, Source.id == Article.source_id)
        .where(StoryArticle.story_id.in_(ids))
        .order_by(StoryArticle.at, Article.id)
    ).all()
    by_story: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        by_story[row[0]].append(tuple(row))
    named = session.execute(
        select(Mention.version_id, Entity.name)
        .join(Entity, Entity.id == Mention.entity_id)
        .where(Mention.version_id.in_([row[4] for row in rows]))
    ).all()
    edits_of = dict(
        session.execute(
            select(Version.article_id, func.count() - 1)
            .where(Version.article_id.in_([row[2] for row in rows]))
            .group_by(Version.article_id)
        ).all()
    )
    entities_of: dict[int, list[str]] = defaultdict(list)
    for version_id, name in named:
        entities_of[version_id].append(name)
    views = []
    for story_id in ids:
        story, found = stories.get(story_id), by_story.get(story_id)
        if story is None or not found:
            continue
        start = found[0][1]
        reports = [
            Report(
                row[2],
                row[3],
                row[5],
                row[8],
                row[6],
                row[7],
                row[1],
                row[1] - start,
                edits_of.get(row[2], 0),
            )
            for row in found
        ]
        counts = Counter(name for row in found for name in entities_of[row[4]])
        entities = sorted(counts, key=lambda name: (-counts[name], name))[:MAX_ENTITIES]
        views.append(
            StoryView(
                id=story.id,
                title=story.title,
                first_seen=story.first_seen,
                articles=reports,
                sources=sorted({r.source for r in reports}),
                languages=sorted({r.language for r in reports if r.language}),
                entities=entities,
            )
        )
    return views


def story_json(story: StoryView) -> dict[str, Any]:
    """The JSON contract of `stories --json` and /api/stories (issue 23), spelled out once."""
    first = story.first
    return {
        "id": story.id,
        "title": story.title,
        "first_seen": story.first_seen.isoformat(),
        "first": {
            "id": first.id,
            "url": first.url,
            "source": first.source,
            "at": first.at.isoformat(),
        },
        "articles": [
            {
                "id": r.id,
                "url": r.url,
                "title": r.title,
                "source": r.source,
                "published": r.published.isoformat() if r.published else None,
                "language": r.language,
            }
            for r in story.articles
        ],
        "sources": story.sources,
        "languages": story.languages,
        "entities": story.entities,
    }
