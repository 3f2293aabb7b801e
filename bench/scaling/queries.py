"""The three query kinds of bench.query_speed, fewer of each, for bench.scaling.

bench.query_speed times 60 queries a kind to judge one archive against targets; comparing sizes
needs only a stable median, and 20 a kind keep three sizes within a minute on a shared
machine. The queries, the warm-up, the timing and the figures are query_speed's own functions,
so the two benchmarks measure the same thing. The search queries are the same at every size
(same seed); the entity list queries depend on which entities each archive names most.
"""

from __future__ import annotations

import random

from bench.query_speed import (
    Figures,
    Target,
    figures,
    fts_matches,
    list_queries,
    listing,
    search_queries,
    searching,
    timed,
)
from storage.db import Database

KINDS = ("search", "search --all-versions", "articles --entity X --since D")
TARGETS = (Target(50, 200), Target(200), Target(50))  # query_speed's, set for 100,000 articles


def time_queries(db: Database, count: int = 20, seed: int = 7) -> list[Figures]:
    """Median, p95 ... of `count` queries of each kind in KINDS, each in a fresh session."""
    rng = random.Random(seed)
    queries = search_queries(rng, count)
    with db.reading() as session:
        pairs = list_queries(session, rng, count)

    # How many versions each search matches: what its cost grows with as the archive grows.
    matches = fts_matches(db)
    latest, every, listed = KINDS
    return [
        figures(
            latest, timed([(q, searching(db, q, False)) for q in queries]), TARGETS[0], matches
        ),
        figures(every, timed([(q, searching(db, q, True)) for q in queries]), TARGETS[1], matches),
        figures(
            listed,
            timed([(f"{e} since {s:%Y-%m-%d}", listing(db, e, s)) for e, s in pairs]),
            TARGETS[2],
        ),
    ]


def median_matches(result: Figures) -> int | None:
    """The median number of versions the kind's queries match (None: not counted)."""
    counted = sorted(m for _, _, m in result.calls if m is not None)
    return counted[len(counted) // 2] if counted else None
