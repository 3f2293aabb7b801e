"""The HTML pages: digest, articles, one article with its diffs, entities, search, sources.

Server-rendered, usable without JavaScript; every page is a plain GET URL that can be
bookmarked. The data comes from the same library calls as the API and the CLI.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from crawler.entities.kb import ENTITY_TYPES
from storage.diff_pages import PageError, page_count, page_slice
from storage.digest.build import NO_RULES, build_digest, compare_versions, full_diff
from storage.digest.formats import render_digest
from storage.digest.links import FEED_PATH, feed_url, with_links
from storage.digest.summary import summarize_digest
from storage.entities import entity_detail, list_entities
from storage.filters import SORTS, Sort
from storage.health import source_health
from storage.queries import (
    MAX_ID,
    article_detail,
    find_article,
    list_articles,
    list_runs,
)
from storage.rechecks import next_check
from storage.search import search
from web.deps import ArchiveDep, SessionDep
from web.diff_view import diff_rows
from web.params import InputError, filters, moment, period
from web.render import page

CallNext = Callable[[Request], Awaitable[Response]]
router = APIRouter(include_in_schema=False)

Text = Annotated[str | None, Query(max_length=1000)]
Number = Annotated[int | None, Query(ge=1, le=MAX_ID)]
PERIODS = {"24h": "24 hours", "7d": "7 days", "30d": "30 days"}
DIGEST_ITEMS = 100  # per section: the page is for reading; the API and CLI give everything


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def digest_page(
    request: Request,
    session: SessionDep,
    since: Text = None,
    until: Text = None,
) -> HTMLResponse:
    chosen = period(since or "7d", until, timedelta(days=7))
    summary = summarize_digest(session, chosen.since, chosen.until, limit=DIGEST_ITEMS)
    return page(
        request,
        "digest.html",
        digest=summary,
        since=since or "7d",
        until=until or "",
        periods=PERIODS,
        limit=DIGEST_ITEMS,
    )


@router.api_route(FEED_PATH, methods=["GET", "HEAD"], response_class=Response)
def digest_feed(
    archive: ArchiveDep,
    session: SessionDep,
    hours: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Response:
    """The digest as an Atom feed at a stable URL: the last `hours` (default: the digest's
    period); its self link and each edit's diff link are built from [digest] base_url only."""
    until = datetime.now(UTC)
    since = until - (timedelta(hours=hours) if hours else archive.digest_period)
    digest = with_links(build_digest(session, since, until, archive.rules), archive.base_url)
    feed = render_digest(digest, "atom", feed_url=feed_url(archive.base_url))
    return Response(feed, media_type="application/atom+xml; charset=utf-8")


@router.api_route("/articles", methods=["GET", "HEAD"], response_class=HTMLResponse)
def articles_page(
    request: Request,
    archive: ArchiveDep,
    session: SessionDep,
    source: Annotated[list[str] | None, Query()] = None,
    entity: Text = None,
    since: Text = None,
    until: Text = None,
    language: Text = None,
    edited: bool = False,
    sort: Sort = "published",
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> HTMLResponse:
    name = archive.entity_name(entity) if entity else None
    chosen = filters(name, source, since, until, language, edited)
    rows = list_articles(session, filters=chosen, sort=sort, limit=limit)
    form = {
        "source": (source or [""])[0],
        "entity": entity or "",
        "since": since or "",
        "until": until or "",
        "language": language or "",
        "edited": edited,
        "sort": sort,
    }
    return page(
        request,
        "articles.html",
        rows=rows,
        form=form,
        sources=archive.sources(session),
        sorts=SORTS,
        limit=limit,
    )


@router.api_route("/articles/{article_id}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def article_page(
    request: Request,
    archive: ArchiveDep,
    session: SessionDep,
    article_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    version: Number = None,
    from_: Annotated[int | None, Query(alias="from", ge=1, le=MAX_ID)] = None,
    to: Number = None,
    view: Literal["inline", "side"] = "inline",
    page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_ID)] = 1,
) -> HTMLResponse:
    found = find_article(session, str(article_id))
    detail = article_detail(session, found, version)
    latest = detail.versions[-1].number
    changed = max(v.fetched_at for v in detail.versions)
    due = next_check(detail.first_seen, changed, detail.last_checked, archive.recheck_steps)
    change = rows = None
    pages = 1
    if latest > 1 or from_ or to:
        new = to or latest
        old = from_ or new - 1
        if old == new or old < 1:
            raise InputError("pick two different versions to compare")
        old, new = min(old, new), max(old, new)
        rules = archive.rules.get(found.source.name, NO_RULES)
        change = compare_versions(session, found, old, new, rules)
        every = diff_rows(*full_diff(session, found, old, new, rules))
        pages = page_count(len(every))
        try:
            rows = page_slice(every, page_number)
        except PageError as exc:
            raise InputError(f"page: {exc}") from None
    return page(
        request,
        "article.html",
        article=detail,
        next_check=due,
        change=change,
        rows=rows,
        view=view,
        latest=latest,
        page_number=page_number,
        pages=pages,
    )


@router.api_route("/entities", methods=["GET", "HEAD"], response_class=HTMLResponse)
def entities_page(
    request: Request,
    session: SessionDep,
    since: Text = None,
    type: Text = None,
    unrecognised: bool = False,
) -> HTMLResponse:
    kind = type or None
    if kind is not None and kind not in ENTITY_TYPES:
        raise InputError(f"type: {kind!r} is not one of {', '.join(ENTITY_TYPES)}")
    rows = list_entities(
        session, since=moment(since, "since"), type=kind, unrecognised=unrecognised
    )
    form = {"since": since or "", "type": kind or "", "unrecognised": unrecognised}
    return page(request, "entities.html", rows=rows, form=form, types=ENTITY_TYPES)


@router.api_route("/entities/{name:path}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def entity_page(
    request: Request, archive: ArchiveDep, session: SessionDep, name: str
) -> HTMLResponse:
    canonical = archive.entity_name(name)
    detail = entity_detail(session, canonical, archive.aliases(canonical))
    chosen = filters(canonical, None, None, None, None, False)
    rows = list_articles(session, filters=chosen, limit=200)
    return page(request, "entity.html", entity=detail, rows=rows)


@router.api_route("/search", methods=["GET", "HEAD"], response_class=HTMLResponse)
def search_page(
    request: Request,
    archive: ArchiveDep,
    session: SessionDep,
    q: Text = None,
    all_versions: bool = False,
    source: Text = None,
    entity: Text = None,
    since: Text = None,
    until: Text = None,
    language: Text = None,
    edited: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> HTMLResponse:
    form = {
        "q": q or "",
        "all_versions": all_versions,
        "source": source or "",
        "entity": entity or "",
        "since": since or "",
        "until": until or "",
        "language": language or "",
        "edited": edited,
    }
    hits = None
    if q and q.strip():
        name = archive.entity_name(entity) if entity else None
        chosen = filters(name, [source] if source else None, since, until, language, edited)
        hits = search(session, q, all_versions=all_versions, filters=chosen, limit=limit)
    sources = archive.sources(session)
    return page(request, "search.html", hits=hits, form=form, sources=sources)


@router.api_route("/sources", methods=["GET", "HEAD"], response_class=HTMLResponse)
def sources_page(request: Request, archive: ArchiveDep, session: SessionDep) -> HTMLResponse:
    health = source_health(session, archive.sources(session))
    return page(request, "sources.html", health=health, runs=list_runs(session, limit=20))


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return page(request, "error.html", status, status_code=status, message=message)
