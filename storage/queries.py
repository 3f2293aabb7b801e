"""Read-only questions about the archive, answered as plain dataclasses for the CLI and API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from storage.conditions import conditions
from storage.errors import NotFoundError
from storage.filters import EDIT_KINDS, NO_FILTERS, Filters, Sort
from storage.models import Article, CrawlRun, FetchState, Source, Version
from storage.removals import removals
from storage.runs import worker_name
from storage.summaries import ArticleSummary, Removal

# Ids are INTEGER columns: PostgreSQL refuses a larger number ("integer out of range") where
# SQLite would find nothing, so a larger number is no id; it is still looked up as a URL.
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class VersionSummary:
    """A point on an article's timeline: when it was seen and what kind of change it was."""

    number: int
    fetched_at: datetime
    title: str
    change_kind: str | None  # None for version 1; substantive, minor, correction, revert
    revert_to: int | None
    sentences_added: int
    sentences_removed: int
    sentences_edited: int
    chars_changed: int


@dataclass(frozen=True)
class ArticleDetail:
    id: int
    url: str
    title: str
    source: str
    published: datetime | None
    modified: datetime | None
    language: str | None
    authors: list[str]
    site_name: str | None
    text: str
    version: int
    first_seen: datetime
    last_checked: datetime
    versions: list[VersionSummary]
    aliases: list[str]  # other URLs it was fetched under (AMP, mobile, print, redirects)
    removed: Removal | None = None  # set while the article counts as removed: when and why


@dataclass(frozen=True)
class RunSummary:
    id: int
    started: datetime
    finished: datetime | None
    status: str
    trigger: str
    sources: list[str]
    fetched: int
    new_articles: int
    new_versions: int
    unchanged: int
    not_modified: int
    skipped: int
    failed: int
    errors: list[dict[str, str]]
    notes: list[dict[str, str]]
    worker: str | None = None  # "host:pid" of the process that ran it: several hosts share one


def _latest_versions() -> Select[int, int, int]:
    return select(
        Version.article_id,
        func.max(Version.number).label("number"),
        func.count(Version.id).label("count"),
    ).group_by(Version.article_id)


def list_articles(
    session: Session,
    *,
    filters: Filters = NO_FILTERS,
    sort: Sort = "published",
    limit: int | None = None,
) -> list[ArticleSummary]:
    """Articles with their latest title, newest first by `sort`, narrowed by `filters`."""
    other = aliased(Version)
    count = select(func.count(other.id)).where(other.article_id == Article.id).scalar_subquery()
    edits = (
        select(func.count(other.id))
        .where(other.article_id == Article.id, other.change_kind.in_(EDIT_KINDS))
        .scalar_subquery()
    )
    order = {
        "published": Article.dated,
        "first_seen": Article.first_seen,
        "last_changed": Version.fetched_at,
        "edits": edits,
    }[sort]
    query = (
        select(Article, Version, Source.name, count)
        .join(Version, Version.id == Article.latest_version_id)
        .join(Source, Source.id == Article.source_id)
        .where(*conditions(filters, Version))
        .order_by(order.desc(), Article.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    found = session.execute(query).all()
    gone = removals(session, [article for article, *_ in found])
    return [
        ArticleSummary(
            id=article.id,
            url=article.url,
            title=version.title,
            source=source,
            published=version.published,
            first_seen=article.first_seen,
            last_checked=article.last_checked,
            versions=versions,
            language=version.language,
            removed=gone.get(article.id),
        )
        for article, version, source, versions in found
    ]


def find_article(session: Session, ref: str, *urls: str) -> Article:
    """The article with id `ref`, or stored under (or fetched from) `ref` or one of `urls`."""
    article: Article | None = None
    if ref.isdecimal() and ref.isascii() and int(ref) <= MAX_ID:
        article = session.get(Article, int(ref))
    candidates = [ref, *urls]
    if article is None:
        article = session.scalar(select(Article).where(Article.url.in_(candidates)))
    if article is None:
        article_id = session.scalar(
            select(FetchState.article_id).where(
                FetchState.url.in_(candidates), FetchState.article_id.is_not(None)
            )
        )
        article = session.get(Article, article_id) if article_id is not None else None
    if article is None:
        raise NotFoundError(f"no article {ref!r} is stored; list them with: labscope articles")
    return article


def version_at(article: Article, when: datetime) -> int:
    """The number of the version the article showed at `when`."""
    shown = [v.number for v in article.versions if v.fetched_at <= when]
    if not shown:
        first = article.versions[0].fetched_at if article.versions else article.first_seen
        raise NotFoundError(
            f"article {article.id} was not seen yet at {when:%Y-%m-%d %H:%M} UTC; "
            f"its first version is from {first:%Y-%m-%d %H:%M} UTC"
        )
    return shown[-1]


def article_detail(session: Session, article: Article, version: int | None = None) -> ArticleDetail:
    """One article with the text of `version` (default: the latest) and the list of its versions."""
    versions = list(article.versions)
    if not versions:
        raise NotFoundError(f"article {article.id} has no stored version yet")
    if version is None:
        shown = versions[-1]
    else:
        matching = [v for v in versions if v.number == version]
        if not matching:
            raise NotFoundError(
                f"article {article.id} has no version {version}; "
                f"it has versions 1 to {versions[-1].number}"
            )
        shown = matching[0]
    return ArticleDetail(
        id=article.id,
        url=article.url,
        title=shown.title,
        source=article.source.name,
        published=shown.published,
        modified=shown.modified,
        language=shown.language,
        authors=list(shown.authors),
        site_name=shown.site_name,
        text=shown.text,
        version=shown.number,
        first_seen=article.first_seen,
        last_checked=article.last_checked,
        versions=[
            VersionSummary(
                v.number,
                v.fetched_at,
                v.title,
                v.change_kind,
                v.revert_to,
                v.sentences_added,
                v.sentences_removed,
                v.sentences_edited,
                v.chars_changed,
            )
            for v in versions
        ],
        aliases=list(
            session.scalars(
                select(FetchState.url)
                .where(FetchState.article_id == article.id, FetchState.url != article.url)
                .order_by(FetchState.url)
            )
        ),
        removed=removals(session, [article]).get(article.id),
    )


def list_runs(session: Session, *, limit: int | None = 20) -> list[RunSummary]:
    """Crawl runs, newest first."""
    query = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)
    return [
        RunSummary(
            id=run.id,
            started=run.started,
            finished=run.finished,
            status=run.status,
            trigger=run.trigger,
            sources=list(run.sources),
            fetched=run.fetched,
            new_articles=run.new_articles,
            new_versions=run.new_versions,
            unchanged=run.unchanged,
            not_modified=run.not_modified,
            skipped=run.skipped,
            failed=run.failed,
            errors=list(run.errors),
            notes=list(run.notes),
            worker=worker_name(run.host, run.pid),
        )
        for run in session.scalars(query)
    ]
