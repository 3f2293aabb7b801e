"""Stories on the web: the list at /stories, one story's timeline at /stories/{id}, and the
same data as JSON at /api/stories (the shape of `labscope stories --json`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from storage.digest.stories import lag_text
from storage.queries import MAX_ID
from storage.story_queries import list_stories, story_detail, story_json
from web.api import ArchiveJSON
from web.api import router as archive_api
from web.deps import Archive, ArchiveDep, SessionDep
from web.params import moment
from web.render import page

router = APIRouter(include_in_schema=False)
# The API's prefix and declared error answers (400, 404, 503), so the schema lists them here too.
api = APIRouter(prefix="/api", tags=["archive"], responses=archive_api.responses)

StoryId = Annotated[int, Path(ge=1, le=MAX_ID, description="The story's id.")]
Since = Annotated[
    str | None, Query(max_length=1000, description="First reported on or after: 2025-01-28, 7d.")
]
Entity = Annotated[
    str | None, Query(max_length=1000, description="Only stories naming it (any alias).")
]
MinSources = Annotated[int, Query(ge=1, le=10_000, description="At least this many outlets.")]
Limit = Annotated[int, Query(ge=1, le=10_000, description="At most this many.")]


def _entity(archive: Archive, entity: str | None) -> str | None:
    return archive.entity_name(entity.strip()) if entity and entity.strip() else None


@api.get("/stories", response_model=list[dict[str, object]])
def stories_api(
    archive: ArchiveDep,
    session: SessionDep,
    since: Since = None,
    entity: Entity = None,
    min_sources: MinSources = 1,
    limit: Limit = 50,
) -> ArchiveJSON:
    """Stories, newest first: reports of one event across outlets (`labscope stories --json`)."""
    found = list_stories(
        session,
        since=moment(since, "since"),
        entity=_entity(archive, entity),
        min_sources=min_sources,
        limit=limit,
    )
    return ArchiveJSON([story_json(story) for story in found])


@api.get("/stories/{story_id}", response_model=dict[str, object])
def story_api(session: SessionDep, story_id: StoryId) -> ArchiveJSON:
    """One story, its reports in order (the same object as in the list)."""
    return ArchiveJSON(story_json(story_detail(session, story_id)))


@router.api_route("/stories", methods=["GET", "HEAD"], response_class=HTMLResponse)
def stories_page(
    request: Request,
    archive: ArchiveDep,
    session: SessionDep,
    since: Since = None,
    entity: Entity = None,
    min_sources: MinSources = 1,
) -> HTMLResponse:
    found = list_stories(
        session,
        since=moment(since, "since"),
        entity=_entity(archive, entity),
        min_sources=min_sources,
        limit=100,
    )
    form = {"since": since or "", "entity": entity or "", "min_sources": min_sources}
    return page(request, "stories.html", stories=found, form=form)


@router.api_route("/stories/{story_id}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def story_page(request: Request, session: SessionDep, story_id: StoryId) -> HTMLResponse:
    story = story_detail(session, story_id)
    return page(request, "story.html", story=story, lag_text=lag_text)
