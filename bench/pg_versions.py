"""Versions a second an archive sustains: N writer processes storing distinct articles at once.

Each writer stores `--pages` pages (a new article with a few hundred words of English and
Chinese each, so the search index, sentences and entities all get written) through
`record_page`, one transaction a page as a crawl does. The figure is the total stored over the
wall time from the first write to the last commit, process start-up left out.

    python -m bench.pg_versions    # a throwaway PostgreSQL server (tests/pg.py), and SQLite
    python -m bench.pg_versions --db postgresql+psycopg://u@host/db --writers 1 2 4
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from bench.paths import ROOT
from storage.db import open_database
from storage.records import FetchedPage, PageContent
from storage.versions import ensure_source, record_page

BODY = (
    "DeepSeek and Moonshot AI released new models this week, and researchers in Beijing "
    "compared their long-context results with earlier systems. 月之暗面发布了新的长文本模型，"
    "深度求索的研究人员表示成本更低。"
)


def _page(run: str, writer: int, i: int) -> FetchedPage:
    url = f"https://bench.example/{run}/{writer}/{i}"  # new articles, even in a reused database
    text = " ".join(f"{BODY} Paragraph {n} of story {writer}-{i}." for n in range(6))
    return FetchedPage(
        source="bench",
        url=url,
        article_url=url,
        fetched_at=datetime.now(UTC),
        body=f"<p>{text}</p>".encode(),
        content=PageContent(title=f"Story {writer}-{i}", text=text, published=None),
    )


def _write(url: str, writer: int, pages: int, start: float) -> None:
    database = open_database(url)
    while time.time() < start:  # every writer begins together
        time.sleep(0.001)
    for i in range(pages):
        with database.transaction() as session:
            record_page(session, _page(f"{start:.0f}", writer, i))
    database.close()


def versions_per_second(url: str, writers: int, pages: int) -> float:
    database = open_database(url)
    with database.transaction() as session:
        ensure_source(session, "bench", "page", "https://bench.example/")
    database.close()
    start = time.time() + 2.0
    processes = [
        multiprocessing.Process(target=_write, args=(url, w, pages, start)) for w in range(writers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return writers * pages / (time.time() - start)


class _Cluster(Protocol):
    """What this benchmark uses of tests/pg.py's `Cluster`."""

    def create_database(self, hint: str = "db") -> str: ...


def _test_clusters() -> Generator[_Cluster, None, None]:
    """tests/pg.py's `postgres_cluster()`: the test suite's throwaway server, reused as it is.

    tests/ is not a package (pytest imports its helpers as top-level modules), so the file is
    loaded by its path rather than by putting tests/ on sys.path for every later import.
    """
    spec = importlib.util.spec_from_file_location("pg", ROOT / "tests" / "pg.py")
    assert spec is not None and spec.loader is not None, "tests/pg.py is part of the checkout"
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    clusters: Generator[_Cluster, None, None] = module.postgres_cluster()
    return clusters


@contextmanager
def _postgresql(url: str | None) -> Iterator[Callable[[str], str]]:
    """A maker of empty PostgreSQL databases: the given URL as is, else a throwaway server's."""
    if url is not None:
        yield lambda _name: url
        return
    clusters = _test_clusters()
    try:
        yield next(clusters).create_database
    finally:
        clusters.close()  # stops the server and removes its folder


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pg_versions", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--db", help="a PostgreSQL URL (default: a throwaway server)")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, _postgresql(args.db) as new_database:
        for writers in args.writers:
            pg = new_database(f"bench_{writers}")
            lite = f"sqlite:///{Path(folder) / f'bench-{writers}.db'}"
            for name, url in (("postgresql", pg), ("sqlite", lite)):
                rate = versions_per_second(url, writers, args.pages)
                print(f"{name:10} {writers} writer(s): {rate:7.1f} versions/s", flush=True)


if __name__ == "__main__":
    main()
