"""Full-text search over the latest versions, or over every version ever stored.

On SQLite an FTS5 index (`search_index`, rowid = version id, contentless: the text is already
in `versions`) is written in the same transaction that stores a version, and ranked by BM25
with the title weighted above the body. PostgreSQL has its own tsvector index with the same
words (storage/search_pg.py). Other databases get the same query language as SQL LIKE
conditions: correct, unranked (newest first), and slower on a large archive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    func,
    select,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, aliased

from storage import search_pg
from storage.conditions import conditions
from storage.filters import NO_FILTERS, Filters
from storage.models import Article, Version
from storage.new_version import NewVersion
from storage.search_query import QueryError, parse, spaced, terms, to_fts, to_like

SNIPPET_BEFORE, SNIPPET_AFTER = 60, 160
# Titles weigh five times the body; ordering by bm25() with a LIMIT keeps only the top rows
# (ORDER BY rank would sort every match).
_FTS_QUERY = (
    "SELECT rowid FROM {table} WHERE {table} MATCH :match "
    "ORDER BY bm25({table}, 5.0, 1.0) LIMIT :window"
)
_INSERT = "INSERT INTO {table} (rowid, title, text) VALUES (:id, :title, :text)"
# index_version's statements, built once and run on the session's connection (the Session's own
# execute doubles their cost): it runs for every stored version.
_ADD_TO_INDEX = text(_INSERT.format(table="search_index"))
_ADD_TO_LATEST = text(_INSERT.format(table="search_latest"))
_DROP_FROM_LATEST = text(
    "INSERT INTO search_latest (search_latest, rowid, title, text) "
    "VALUES ('delete', :id, :title, :text)"
)


@dataclass(frozen=True)
class SearchHit:
    id: int
    url: str
    title: str
    source: str
    published: datetime | None
    snippet: str  # text around the first match in the best version, matches «marked»
    versions: list[int] = field(default_factory=list)  # version numbers that match
    language: str | None = None  # the latest version's, as in articles and show


def index_version(session: Session, version: NewVersion, previous: Version | None) -> None:
    """Add a new version to the search indexes (SQLite and PostgreSQL), in the caller's
    transaction.

    `search_index` keeps every version; `search_latest` (rowid = article id) only the newest,
    so a search of the latest versions ranks a third as many rows. Both are contentless, so
    the entry of the version it replaces is removed by giving FTS5 that version's text again.
    PostgreSQL keeps every version and joins to the articles' latest version instead.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        search_pg.index_version(session, version.id, version.title, version.text)
    if dialect != "sqlite":
        return
    row = {"id": version.id, "title": spaced(version.title), "text": spaced(version.text)}
    connection = session.connection()
    connection.execute(_ADD_TO_INDEX, row)
    if previous is not None:
        old = {
            "id": version.article_id,
            "title": spaced(previous.title),
            "text": spaced(previous.text),
        }
        connection.execute(_DROP_FROM_LATEST, old)
    connection.execute(_ADD_TO_LATEST, {**row, "id": version.article_id})


def rebuild_index(session: Session, batch: int = 2000) -> int:
    """Index every stored version again (after a bulk load or a damaged index)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return search_pg.rebuild_index(session, batch)
    if dialect != "sqlite":
        return 0
    for table in ("search_index", "search_latest"):  # a contentless table empties this way
        session.execute(text(f"INSERT INTO {table} ({table}) VALUES ('delete-all')"))
    every = select(Version.id, Version.title, Version.text).order_by(Version.id)
    newest = select(Version.article_id, Version.title, Version.text).join(
        Article, Article.latest_version_id == Version.id
    )
    count = 0
    for table, query in (("search_index", every), ("search_latest", newest)):
        for chunk in session.execute(query.execution_options(yield_per=batch)).partitions():
            rows = [{"id": i, "title": spaced(t), "text": spaced(b)} for i, t, b in chunk]
            session.execute(text(_INSERT.format(table=table)), rows)
            count += len(rows) if table == "search_index" else 0
    return count


def search(
    session: Session,
    query: str,
    *,
    all_versions: bool = False,
    filters: Filters = NO_FILTERS,
    limit: int = 20,
) -> list[SearchHit]:
    """Articles matching `query`, best first; QueryError for a query that cannot be read.

    The index is asked for its best-ranked versions only (FTS5 ranks in C, without touching
    the tables), and the filters run on those; when too few pass, a deeper window is asked for.
    """
    node = parse(query)
    window = max(200, limit * 20)
    try:
        while True:
            ranked = _ranked(session, node, window, all_versions)
            best = _best_per_article(session, ranked, filters, all_versions, limit)
            if len(best) >= limit or len(ranked) < window:
                break
            window *= 10
        if all_versions:
            matches = _matching_numbers(session, node, list(best))
        else:  # found in the index of latest versions: the latest version is the match
            matches = _latest_numbers(session, list(best))
    except OperationalError as exc:  # FTS5 refuses what the parser let through
        reason = str(exc.orig).splitlines()[0]
        raise QueryError(f"the search index cannot run this query ({reason}); simplify it") from exc
    return [
        _hit(session, article_id, version_id, matches.get(article_id, []), terms(node))
        for article_id, version_id in best.items()
    ]


def _ranked(session: Session, node: Any, window: int, all_versions: bool) -> list[int]:
    """Ids of the `window` best-matching versions, best first."""
    if session.get_bind().dialect.name == "sqlite":
        table = "search_index" if all_versions else "search_latest"
        params = {"match": to_fts(node), "window": window}
        ids = [rowid for (rowid,) in session.execute(text(_FTS_QUERY.format(table=table)), params)]
        if all_versions:
            return ids
        latest = dict(
            session.execute(
                select(Article.id, Article.latest_version_id).where(Article.id.in_(ids))
            ).all()
        )
        return [v for v in (latest.get(article_id) for article_id in ids) if v is not None]
    if session.get_bind().dialect.name == "postgresql":
        return search_pg.ranked(session, node, window, all_versions)
    newest = func.coalesce(Version.published, Version.fetched_at).desc()
    query = select(Version.id).where(to_like(node, Version.title, Version.text))
    return list(session.scalars(query.order_by(newest, Version.id.desc()).limit(window)))


def _best_per_article(
    session: Session, ranked: list[int], filters: Filters, all_versions: bool, limit: int
) -> dict[int, int]:
    """article id -> its best-ranked version id, for the first `limit` articles that pass."""
    if not ranked:
        return {}
    version = aliased(Version)
    query = (
        select(version.id, version.article_id)
        .join(Article, Article.id == version.article_id)
        .where(version.id.in_(ranked), *conditions(filters, version))
    )
    if not all_versions:
        query = query.where(Article.latest_version_id == version.id)
    passing: dict[int, int] = {vid: aid for vid, aid in session.execute(query)}
    best: dict[int, int] = {}
    for version_id in ranked:
        article_id = passing.get(version_id)
        if article_id is not None and article_id not in best:
            best[article_id] = version_id
            if len(best) == limit:
                break
    return best


def _latest_numbers(session: Session, articles: list[int]) -> dict[int, list[int]]:
    query = (
        select(Article.id, Version.number)
        .join(Version, Version.id == Article.latest_version_id)
        .where(Article.id.in_(articles))
    )
    return {article_id: [number] for article_id, number in session.execute(query)}


def _matching_numbers(session: Session, node: Any, articles: list[int]) -> dict[int, list[int]]:
    """For each article: the numbers of its versions that match."""
    query = select(Version.id, Version.article_id, Version.number).where(
        Version.article_id.in_(articles)
    )
    candidates = {vid: (aid, n) for vid, aid, n in session.execute(query)}
    if session.get_bind().dialect.name == "sqlite" and candidates:
        ids = ",".join(str(int(vid)) for vid in candidates)  # integers from our own rows
        rows = session.execute(
            text(
                f"SELECT rowid FROM search_index WHERE search_index MATCH :m AND rowid IN ({ids})"
            ),
            {"m": to_fts(node)},
        )
        matching = {vid for (vid,) in rows}
    elif session.get_bind().dialect.name == "postgresql":
        matching = search_pg.matching(session, node, candidates)
    else:
        like = select(Version.id).where(
            Version.id.in_(candidates), to_like(node, Version.title, Version.text)
        )
        matching = set(session.scalars(like))
    found: dict[int, list[int]] = {}
    for vid in sorted(matching, key=lambda v: candidates[v][1]):
        article_id, number = candidates[vid]
        found.setdefault(article_id, []).append(number)
    return found


def _hit(
    session: Session, article_id: int, version_id: int, numbers: list[int], words: list[str]
) -> SearchHit:
    article = session.get_one(Article, article_id)
    best = session.get_one(Version, version_id)
    latest = article.versions[-1]
    return SearchHit(
        id=article.id,
        url=article.url,
        title=latest.title,
        source=article.source.name,
        published=latest.published,
        snippet=snippet(best.text or best.title, words),
        versions=numbers,
        language=latest.language,
    )


def snippet(body: str, words: Iterable[str]) -> str:
    """The text around the first match of any word, with every match «marked»."""
    patterns = [re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w.strip()]
    if not patterns:
        return _one_line(body[: SNIPPET_BEFORE + SNIPPET_AFTER])
    pattern = re.compile("|".join(patterns), re.IGNORECASE)
    first = pattern.search(body)
    start = max(0, first.start() - SNIPPET_BEFORE) if first else 0
    end = min(len(body), (first.end() if first else 0) + SNIPPET_AFTER)
    window = body[start:end]
    marked = pattern.sub(lambda m: f"«{m.group(0)}»", window)
    return ("…" if start else "") + _one_line(marked) + ("…" if end < len(body) else "")


def _one_line(value: str) -> str:
    return " ".join(value.split())
