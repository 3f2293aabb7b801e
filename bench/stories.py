"""Time story grouping and the story list on a 100,000-article archive.

    python -m bench.stories [--articles 100000] [--new 300]

Builds, deterministically (seed 7), a synthetic SQLite archive through the migrations: sources,
articles over one year with one version each, their entities, and the story tables as grouping
would have left them. Events have 1-5 reports within 12 hours; each names its model (400 models,
Zipf-popular, so "DeepSeek-R1" is in thousands of articles), a lab, a couple of figures, and
words of its own; reports add unrelated models and figures. The keys and text sketches are the
real ones (storage.stories.grouping_keys, text_sketch).

Then, three times: ``--new`` more articles go through ``join_story`` (the work a crawl adds to
storing each new article), inside a transaction that is rolled back, and the story list
(``list_stories``, newest 50, and with ``min_sources=2``) is read. Printed: the median of the
three runs, per article and per list; targets 5 ms an article and 100 ms a list (issue 23).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from storage.db import open_database
from storage.models import (
    Article,
    Entity,
    HtmlBlob,
    Mention,
    Source,
    Story,
    StoryArticle,
    StoryKey,
    Version,
    table_of,
)
from storage.stories import Report, grouping_keys, join_story, text_sketch
from storage.story_queries import list_stories

START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=365)
MODELS = [f"Model-{i}" for i in range(400)]
LABS = [f"Lab {i}" for i in range(40)]
SOURCES = [f"outlet-{i}" for i in range(30)]
WORDS = [f"w{i}" for i in range(5000)]
BATCH = 5000


class Undo(Exception):
    """Rolls a timed run's transaction back."""


def synthetic(count: int, seed: int) -> list[tuple[int, Report]]:
    """(event, report) for `count` articles in time order; article ids from 1."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(MODELS))]
    reports: list[tuple[int, Report]] = []
    event = 0
    while len(reports) < count:
        event += 1
        model = rng.choices(MODELS, weights)[0]
        lab = rng.choice(LABS)
        at = START + SPAN * len(reports) / count
        figures = [
            f"${rng.randint(1, 999)}.{rng.randint(10, 99)} million",
            f"{rng.randint(2, 99)}.{rng.randint(1, 9)}%",
        ]
        own = rng.sample(WORDS, 40)
        for _ in range(min(rng.randint(1, 5), count - len(reports))):
            words = rng.sample(own, 25) + rng.sample(WORDS, 60)
            rng.shuffle(words)
            extra = rng.sample(MODELS, 2)
            text = (
                f"{model} by {lab} {' '.join(words)} {figures[0]} {rng.randint(1000, 99999)} users."
            )
            entities = (
                (model, "model", True),
                (lab, "lab", True),
                *((name, "model", True) for name in extra),
            )
            article_id = len(reports) + 1
            when = at + timedelta(minutes=rng.randint(0, 720))
            title = f"{model}: {' '.join(own[:6])}"
            source = rng.randint(1, len(SOURCES))
            reports.append((event, Report(article_id, source, when, title, text, entities)))
    return reports


def build(url: str, reports: list[tuple[int, Report]], stored: int) -> None:
    """The archive: every report stored as an article; the first `stored` grouped."""
    db = open_database(url)
    with db.transaction() as session:
        conn = session.connection()
        conn.execute(
            insert(table_of(Source)),
            [{"id": i, "name": n, "kind": "feed", "url": f"https://{n}.example/feed"}
             for i, n in enumerate(SOURCES, 1)],
        )  # fmt: skip
        conn.execute(
            insert(table_of(HtmlBlob)), [{"id": 1, "sha256": "0" * 64, "size": 0, "data": b""}]
        )
        for lo in range(0, len(reports), BATCH):
            chunk = [r for _, r in reports[lo : lo + BATCH]]
            conn.execute(
                insert(table_of(Article)),
                [{"id": r.article_id, "url": f"https://news.example/{r.article_id}",
                  "source_id": r.source_id, "first_seen": r.at, "last_checked": r.at,
                  "latest_version_id": r.article_id, "dated": r.at} for r in chunk],
            )  # fmt: skip
            conn.execute(
                insert(table_of(Version)),
                [{"id": r.article_id, "article_id": r.article_id, "number": 1, "fetched_at": r.at,
                  "fetched_url": f"https://news.example/{r.article_id}", "title": r.title,
                  "text": r.text, "authors": [], "published": r.at, "language": "en",
                  "fingerprint": "", "hints": {}, "html_id": 1} for r in chunk],
            )  # fmt: skip
        names = sorted({name for _, r in reports for name, _, _ in r.entities})
        entity_id = {name: i for i, name in enumerate(names, 1)}
        conn.execute(
            insert(table_of(Entity)),
            [{"id": i, "name": n, "type": "lab" if n.startswith("Lab") else "model", "known": True,
              "first_seen": START, "first_version_id": 1, "context": "", "articles": 1}
             for n, i in entity_id.items()],
        )  # fmt: skip
        for lo in range(0, len(reports), BATCH):
            chunk = [r for _, r in reports[lo : lo + BATCH]]
            conn.execute(
                insert(table_of(Mention)),
                [{"version_id": r.article_id, "entity_id": entity_id[name], "count": 1}
                 for r in chunk for name in dict.fromkeys(n for n, _, _ in r.entities)],
            )  # fmt: skip
        first: dict[int, Report] = {}
        links, keys = [], []
        sources: dict[int, set[int]] = {}
        size: dict[int, int] = {}
        for event, r in reports[:stored]:
            first.setdefault(event, r)
            size[event] = size.get(event, 0) + 1
            sources.setdefault(event, set()).add(r.source_id)
            sketch = text_sketch(r.title, r.text)
            links.append({"article_id": r.article_id, "story_id": event, "source_id": r.source_id,
                          "at": r.at, "joined": r.at, "sketch": sketch})  # fmt: skip
            keys += [{"key": k, "article_id": r.article_id, "at": r.at}
                     for k in grouping_keys(r.entities, r.title, r.text, sketch)]  # fmt: skip
        conn.execute(
            insert(table_of(Story)),
            [{"id": e, "title": r.title, "first_seen": r.at, "first_article_id": r.article_id,
              "created": r.at, "updated": r.at, "articles": size[e], "sources": len(sources[e])}
             for e, r in first.items()],
        )  # fmt: skip
        for lo in range(0, len(links), BATCH):
            conn.execute(insert(table_of(StoryArticle)), links[lo : lo + BATCH])
        for lo in range(0, len(keys), BATCH):
            conn.execute(insert(table_of(StoryKey)), keys[lo : lo + BATCH])
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.stories", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=300)
    args = parser.parse_args()
    reports = synthetic(args.articles, seed=7)
    stored = args.articles - args.new
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'stories.db'}"
        began = time.perf_counter()
        build(url, reports, stored)
        print(
            f"built {args.articles:,} articles ({stored:,} grouped)"
            f" in {time.perf_counter() - began:.0f} s"
        )
        db = open_database(url, create=False)
        joins, lists, several = [], [], []
        db.refresh_statistics()  # as a crawl leaves it
        for _ in range(3):
            try:
                with db.transaction() as session:
                    began = time.perf_counter()
                    for _, report in reports[stored:]:
                        join_story(session, report, report.at)
                    joins.append((time.perf_counter() - began) / args.new * 1000)
                    raise Undo  # the next run groups the same articles into the same archive
            except Undo:
                pass
            with db.reading() as session:
                began = time.perf_counter()
                newest = list_stories(session, limit=50)
                lists.append((time.perf_counter() - began) * 1000)
                began = time.perf_counter()
                list_stories(session, min_sources=2, since=START + SPAN / 2, limit=50)
                several.append((time.perf_counter() - began) * 1000)
        assert len(newest) == 50
        print(
            f"grouping a new article: median {statistics.median(joins):.2f} ms (target < 5 ms);"
            f" runs {[round(j, 2) for j in joins]}"
        )
        print(f"story list, newest 50: median {statistics.median(lists):.1f} ms (target < 100 ms)")
        print(
            f"story list, min_sources=2 since mid-year: median {statistics.median(several):.1f} ms"
        )
        db.close()


if __name__ == "__main__":
    main()
