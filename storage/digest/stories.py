"""The digest's stories section: stories new in the period, and stories that grew in it.

A story of one report is that report's "new article" line already, so a new story is listed
once a second outlet (or a second article) joined it; a story that grew is an older one that
gained reports in the period, each listed with its lag behind the story's first report. The
section is read from the story tables, like every other section from what was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Story, StoryArticle
from storage.story_queries import Report, story_detail

MAX_STORIES = 50  # the busiest first; a digest is read, not searched


@dataclass(frozen=True)
class DigestStory:
    id: int
    title: str
    grew: bool  # False: new in the period
    first: Report
    reports: int
    sources: list[str]
    languages: list[str]
    added: list[Report]  # the reports that joined in the period, in story order


def stories_between(session: Session, since: datetime, until: datetime) -> list[DigestStory]:
    """Stories of two reports or more that were created or gained reports in [since, until)."""
    joined = (
        select(StoryArticle.story_id, StoryArticle.article_id)
        .where(StoryArticle.joined >= since, StoryArticle.joined < until)
        .order_by(StoryArticle.story_id)
    )
    added: dict[int, set[int]] = {}
    for story_id, article_id in session.execute(joined):
        added.setdefault(story_id, set()).add(article_id)
    found = session.execute(
        select(Story.id, Story.created)
        .where(Story.id.in_(list(added)), Story.articles >= 2)
        .order_by(Story.sources.desc(), Story.articles.desc(), Story.id)
        .limit(MAX_STORIES)
    ).all()
    stories = []
    for story_id, created in found:
        view = story_detail(session, story_id)
        new = [r for r in view.articles if r.id in added[story_id]]
        stories.append(
            DigestStory(
                view.id,
                view.title,
                grew=created < since,
                first=view.first,
                reports=len(view.articles),
                sources=view.sources,
                languages=view.languages,
                added=new,
            )
        )
    return stories


def lag_text(delta: timedelta) -> str:
    """A report's delay behind the story's first, as a reader says it: "+3 h 20 min"."""
    minutes = int(delta.total_seconds() // 60)
    if minutes <= 0:
        return "first"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else ""]
    parts.append(f"{minutes} min" if minutes or not (days or hours) else "")
    return "+" + " ".join(part for part in parts if part)


def story_line(story: DigestStory) -> str:
    """The story's one-line summary, the same in every format."""
    state = "grew" if story.grew else "new story"
    outlets = len(story.sources)
    languages = ", ".join(story.languages)
    return (
        f"{state} · {story.reports} reports from {outlets} outlet{'s' if outlets != 1 else ''}"
        + (f" ({languages})" if languages else "")
    )
