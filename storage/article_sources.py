"""Which sources found an article: an article listed by two sources counts for both.

`articles.source_id` names the source that stored the article first; each crawl credits every
source that listed (discovered) an already stored article's URL in `article_sources`, so
`labscope sources`, the /sources page and `articles --source` count it for each of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import ColumnElement, exists, func, insert, or_, select, union
from sqlalchemy.orm import Session

from storage.models import Article, ArticleSource, FetchState, Source, table_of

_BATCH = 500  # URLs per IN (...): within every backend's bound-parameter limit


def credit_sources(session: Session, found: Mapping[str, Iterable[str]], at: datetime) -> None:
    """Credit each source with the stored articles among the URLs it listed in this run."""
    ids = dict(session.execute(select(Source.name, Source.id).where(Source.name.in_(found))).all())
    for name, urls in found.items():
        source_id = ids.get(name)
        if source_id is None:
            continue
        articles: set[int] = set()
        listed = sorted(set(urls))
        for chunk in (listed[i : i + _BATCH] for i in range(0, len(listed), _BATCH)):
            articles |= set(session.scalars(select(Article.id).where(Article.url.in_(chunk))))
            articles |= {
                article_id
                for article_id in session.scalars(
                    select(FetchState.article_id).where(FetchState.url.in_(chunk))
                )
                if article_id is not None
            }
        credited = set(
            session.scalars(
                select(ArticleSource.article_id).where(ArticleSource.source_id == source_id)
            )
        )
        rows = [
            {"article_id": a, "source_id": source_id, "first_seen": at}
            for a in sorted(articles - credited)
        ]
        if rows:
            session.connection().execute(insert(table_of(ArticleSource)), rows)


def found_by(names: Iterable[str]) -> ColumnElement[bool]:
    """SQL: the Article was found by one of the named sources (first, or credited later)."""
    source_ids = select(Source.id).where(Source.name.in_(list(names))).correlate(None)
    credited = select(ArticleSource.article_id).where(
        ArticleSource.article_id == Article.id, ArticleSource.source_id.in_(source_ids)
    )
    return or_(Article.source_id.in_(source_ids), exists(credited))


def article_counts(session: Session) -> dict[str, int]:
    """Source name -> how many stored articles it found (first, or credited later)."""
    pairs = union(
        select(Article.id.label("article_id"), Article.source_id.label("source_id")),
        select(ArticleSource.article_id, ArticleSource.source_id),
    ).subquery()
    return dict(
        session.execute(
            select(Source.name, func.count(pairs.c.article_id))
            .join(pairs, pairs.c.source_id == Source.id)
            .group_by(Source.name)
        ).all()
    )
