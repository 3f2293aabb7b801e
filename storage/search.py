"""Full-text search over the latest versions, or over every version ever stored.

On SQLite an FTS5 index (`search_index`, rowid = version id, contentless: the text is already
in `versions`) is written in the same transaction that stores a version, and ranked by BM25
with the title weighted above the body. Other databases get the same query language as SQL LIKE
conditions: correct, unranked (newest first), and slower on a large archive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    Float,
    Integer,
    and_,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, aliased

from storage.filters import NO_FILTERS, Filters
from storage.models import Article, Version
from storage.search_query import QueryError, parse, spaced, terms, to_fts, to_like

SNIPPET_BEFORE, SNIPPET_AFTER = 60, 160
_FTS_QUERY = (
    "SELECT rowid AS version_id, bm25(search_index, 5.0, 1.0) AS score "
    "FROM search_index WHERE search_index MATCH :match"
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


def index_version(session: Session, version: Version) -> None:
    """Add one version to the search index (SQLite only), in the caller's transaction."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            text("INSERT INTO search_index (rowid, title, text) VALUES (:id, :title, :text)"),
            {"id": version.id, "title": spaced(version.title), "text": spaced(version.text)},
        )


def rebuild_index(session: Session, batch: int = 2000) -> int:
    """Index every stored version again (after a bulk load or a damaged index)."""
    if session.get_bind().dialect.name != "sqlite":
        return 0
    session.execute(text("DELETE FROM search_index"))
    count = 0
    rows = session.execute(
        select(Version.id, Version.title, Version.text).execution_options(yield_per=batch)
    )
    for chunk in rows.partitions():
        session.execute(
            text("INSERT INTO search_index (rowid, title, text) VALUES (:id, :title, :text)"),
            [{"id": i, "title": spaced(t), "text": spaced(b)} for i, t, b in chunk],
        )
        count += len(chunk)
    return count


def search(
    session: Session,
    query: str,
    *,
    all_versions: bool = False,
    filters: Filters = NO_FILTERS,
    limit: int = 20,
) -> list[SearchHit]:
    """Articles matching `query`, best first; QueryError for a query that cannot be read."""
    node = parse(query)
    hits = _hits(session, node)
    version = aliased(Version)
    base = (
        select(Article.id, func.min(hits.c.score).label("best"))
        .join(version, version.id == hits.c.version_id)
        .join(Article, Article.id == version.article_id)
        .where(*filters.conditions(version))
        .group_by(Article.id)
        .order_by("best", Article.id.desc())
        .limit(limit)
    )
    if not all_versions:
        base = base.where(Article.latest_version_id == version.id)
    try:
        ranked = [article_id for article_id, _ in session.execute(base)]
        matches = _matching_versions(session, hits, ranked, all_versions)
    except OperationalError as exc:  # FTS5 refuses what the parser let through
        reason = str(exc.orig).splitlines()[0]
        raise QueryError(f"the search index cannot run this query ({reason}); simplify it") from exc
    return [_hit(session, article_id, matches[article_id], terms(node)) for article_id in ranked]


def _hits(session: Session, node: Any) -> CTE:
    """(version_id, score) of every version matching the query; lower scores are better."""
    if session.get_bind().dialect.name == "sqlite":
        textual = text(_FTS_QUERY).bindparams(match=to_fts(node))
        return (
            textual.columns(version_id=Integer, score=Float).cte("hits").prefix_with("MATERIALIZED")
        )
    matching = select(Version.id.label("version_id"), literal(0.0).label("score"))
    return matching.where(to_like(node, Version.title, Version.text)).cte("hits")


def _matching_versions(
    session: Session, hits: CTE, articles: list[int], all_versions: bool
) -> dict[int, list[tuple[int, float]]]:
    """For each article: its matching (version number, score) pairs, best first."""
    rows = session.execute(
        select(Version.article_id, Version.number, hits.c.score)
        .join(hits, hits.c.version_id == Version.id)
        .join(Article, Article.id == Version.article_id)
        .where(Version.article_id.in_(articles))
        .where(and_(Article.latest_version_id == Version.id) if not all_versions else literal(True))
        .order_by(hits.c.score, Version.number)
    )
    found: dict[int, list[tuple[int, float]]] = {article_id: [] for article_id in articles}
    for article_id, number, score in rows:
        found[article_id].append((number, score))
    return found


def _hit(
    session: Session, article_id: int, matches: list[tuple[int, float]], words: list[str]
) -> SearchHit:
    article = session.get_one(Article, article_id)
    numbers = sorted(number for number, _ in matches)
    best = next(
        (v for v in article.versions if matches and v.number == matches[0][0]), article.versions[-1]
    )
    latest = article.versions[-1]
    return SearchHit(
        id=article.id,
        url=article.url,
        title=latest.title,
        source=article.source.name,
        published=latest.published,
        snippet=snippet(best.text or best.title, words),
        versions=numbers,
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
