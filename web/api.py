"""The JSON API under /api/: the CLI's `--json` shapes, from the same library calls.

Each route answers with `ArchiveJSON`, the serialiser of the CLI (storage.digest.json.dumps),
so times and Chinese text look the same in both; `response_model` only describes the shape in
the OpenAPI document.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from crawler.entities.kb import ENTITY_TYPES
from storage.diff_pages import PageError, paged
from storage.digest.build import NO_RULES, build_digest, compare_versions
from storage.digest.json import diff_json, digest_json
from storage.entities import EntityDetail, EntitySummary, entity_detail, list_entities
from storage.filters import Sort
from storage.health import SourceHealth, source_health
from storage.json_text import dumps
from storage.queries import (
    MAX_ID,
    RunSummary,
    article_detail,
    find_article,
    list_articles,
    list_runs,
    version_at,
)
from storage.rechecks import next_check
from storage.search import SearchHit, search
from storage.stats import Stats, archive_stats
from storage.story_queries import story_of
from storage.summaries import ArticleSummary
from web.deps import ArchiveDep, SessionDep
from web.params import (
    EditedParam,
    EntityParam,
    InputError,
    LanguageParam,
    SinceParam,
    SourceParam,
    UntilParam,
    filters,
    moment,
    period,
)


@dataclass(frozen=True)
class Problem:
    """What every refused request answers: one line naming the problem and the fix."""

    detail: str


router = APIRouter(
    prefix="/api",
    tags=["archive"],
    responses={
        400: {"model": Problem, "description": "A parameter cannot be used (the detail says why)"},
        404: {"model": Problem, "description": "No such article, version or entity"},
        503: {"model": Problem, "description": "The database cannot be read"},
    },
)

ArticleId = Annotated[int, Path(ge=1, le=MAX_ID, description="The article's id.")]
VersionNumber = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=10_000, description="At most this many.")]
FirstSeenParam = Annotated[str | None, Query(description="First seen on or after: 7d, 2025-01-28.")]
UnrecognisedParam = Annotated[bool, Query(description="Only names not in the knowledge base.")]
EntityType = Annotated[str | None, Query(description=f"One of: {', '.join(ENTITY_TYPES)}.")]


class ArchiveJSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content, indent=None).encode("utf-8")


@router.get("/articles", response_model=list[ArticleSummary])
def articles(
    archive: ArchiveDep,
    session: SessionDep,
    source: SourceParam = None,
    entity: EntityParam = None,
    since: SinceParam = None,
    until: UntilParam = None,
    language: LanguageParam = None,
    edited: EditedParam = False,
    sort: Sort = "published",
    limit: Limit = 100,
) -> ArchiveJSON:
    """Stored articles, newest first by `sort` (`labscope articles --json`)."""
    name = archive.entity_name(entity) if entity else None
    chosen = filters(name, source, since, until, language, edited)
    return ArchiveJSON(list_articles(session, filters=chosen, sort=sort, limit=limit))


@router.get("/articles/{article_id}", response_model=dict[str, Any])
def article(
    archive: ArchiveDep,
    session: SessionDep,
    article_id: ArticleId,
    version: VersionNumber = None,
    at: Annotated[str | None, Query(description="As it was then: 2025-01-28T12:00, 3d.")] = None,
) -> ArchiveJSON:
    """One article with a version's text and its timeline (`labscope show --json`)."""
    found = find_article(session, str(article_id))
    when = moment(at, "at")
    if when is not None:
        if version is not None:
            raise InputError("give version or at, not both")
        version = version_at(found, when)
    detail = article_detail(session, found, version)
    changed = max(v.fetched_at for v in detail.versions)
    due = next_check(detail.first_seen, changed, detail.last_checked, archive.recheck_steps)
    story = story_of(session, found.id)
    named = {"id": story[0], "title": story[1]} if story else None
    return ArchiveJSON({**dataclasses.asdict(detail), "next_check": due, "story": named})


@router.get("/articles/{article_id}/diff", response_model=dict[str, Any])
def diff(
    archive: ArchiveDep,
    session: SessionDep,
    article_id: ArticleId,
    from_: Annotated[int | None, Query(alias="from", ge=1, le=MAX_ID)] = None,
    to: VersionNumber = None,
    page: Annotated[int, Query(ge=1, le=MAX_ID, description="Page of a long diff.")] = 1,
) -> ArchiveJSON:
    """What changed between two versions, sentence by sentence (`labscope diff --format json`),
    in pages of PAGE_SENTENCES changed sentences as the CLI gives them."""
    found = find_article(session, str(article_id))
    new = to or (found.versions[-1].number if found.versions else 0)
    old = from_ or new - 1
    if old < 1:
        raise InputError(f"article {article_id} has only version {new}; nothing to compare yet")
    rules = archive.rules.get(found.source.name, NO_RULES)
    change = compare_versions(session, found, old, new, rules)
    try:
        shown = paged(change, page)
    except PageError as exc:
        raise InputError(str(exc)) from None
    return ArchiveJSON({**diff_json(shown.change), "page": shown.page, "pages": shown.pages})


@router.get("/search", response_model=list[SearchHit])
def search_articles(
    archive: ArchiveDep,
    session: SessionDep,
    q: Annotated[str, Query(description='Words, "phrases", prefix*, AND / OR / NOT.')],
    all_versions: Annotated[bool, Query(description="Search every stored version.")] = False,
    source: SourceParam = None,
    entity: EntityParam = None,
    since: SinceParam = None,
    until: UntilParam = None,
    language: LanguageParam = None,
    edited: EditedParam = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> ArchiveJSON:
    """Full-text search, ranked, with a snippet (`labscope search --json`)."""
    name = archive.entity_name(entity) if entity else None
    chosen = filters(name, source, since, until, language, edited)
    hits = search(session, q, all_versions=all_versions, filters=chosen, limit=limit)
    return ArchiveJSON(hits)


@router.get("/entities", response_model=list[EntitySummary])
def entities(
    session: SessionDep,
    since: FirstSeenParam = None,
    type: EntityType = None,
    unrecognised: UnrecognisedParam = False,
) -> ArchiveJSON:
    """Entities, newest first (`labscope entities --json`)."""
    if type is not None and type not in ENTITY_TYPES:
        raise InputError(f"type: {type!r} is not one of {', '.join(ENTITY_TYPES)}")
    rows = list_entities(
        session, since=moment(since, "since"), type=type, unrecognised=unrecognised
    )
    return ArchiveJSON(rows)


@router.get("/entities/{name:path}", response_model=EntityDetail)
def entity(archive: ArchiveDep, session: SessionDep, name: str) -> ArchiveJSON:
    """One entity (by any alias): where it was first seen, and its latest mentions."""
    canonical = archive.entity_name(name)
    return ArchiveJSON(entity_detail(session, canonical, archive.aliases(canonical)))


@router.get("/digest", response_model=dict[str, Any])
def digest(
    archive: ArchiveDep,
    session: SessionDep,
    since: Annotated[str | None, Query(description="Start: 2025-01-28, 7d (default 24h).")] = None,
    until: Annotated[str | None, Query(description="End (default now).")] = None,
) -> ArchiveJSON:
    """New and edited articles, new entities, removals in a period (`digest --format json`)."""
    chosen = period(since, until, timedelta(hours=24))
    result = build_digest(session, chosen.since, chosen.until, archive.rules)
    return ArchiveJSON(digest_json(result))


@router.get("/runs", response_model=list[RunSummary])
def runs(session: SessionDep, limit: Annotated[int, Query(ge=1, le=1000)] = 20) -> ArchiveJSON:
    """Crawl runs, newest first (`labscope runs --json`)."""
    return ArchiveJSON(list_runs(session, limit=limit))


@router.get("/sources", response_model=list[SourceHealth])
def sources(archive: ArchiveDep, session: SessionDep) -> ArchiveJSON:
    """Each source's health (`labscope sources --json`)."""
    return ArchiveJSON(source_health(session, archive.sources(session)))


@router.get("/stats", response_model=Stats)
def stats(
    session: SessionDep,
    since: Annotated[str, Query(description="Period for the busiest entities.")] = "7d",
    top: Annotated[int, Query(ge=1, le=1000)] = 10,
) -> ArchiveJSON:
    """Counts of the archive, and the busiest entities (`labscope stats --json`)."""
    start = moment(since, "since")
    if start is None:
        raise InputError("since: give a date such as 2025-01-28 or 7d")
    return ArchiveJSON(archive_stats(session, start, top))
