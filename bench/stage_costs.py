"""What each stage of a first crawl costs a page on one core, and the best crawl they allow.

    python -m bench.stage_costs [--corpus PATH] [--pages 1000] [--passes 5] [--json PATH]

bench.crawl measures whole crawls against plain trafilatura on every core, (b). This takes
a first crawl apart: each stage that every page goes through is timed alone, on the pages of
bench.crawl's corpus site, in one process with nothing else running (warm; the median of
--passes passes, each running every stage):

- fetch: bench.bare_fetch, a Scrapy spider that only fetches, in a subprocess; its CPU
  (getrusage) for --pages URLs minus its CPU for a tenth of them, so start-up cancels out;
- extract: crawler.extract.extract, trafilatura's text with our options, the metadata
  (title, bylines, date, site name) and our checks; the metadata is also timed on its own;
- entities: crawler.entities.find.find_entities on the extracted text and title;
- store: storage.versions.record_page into a fresh SQLite file, a transaction a page, as a
  crawl stores.

Their sum is what a crawl doing this work must spend a page, with no cost of its own between
stages (no hand-over to worker processes, no Scrapy item machinery). (b) runs plain trafilatura
on every core, and this machine's cores scale linearly, so no crawl doing this work can beat
(plain ms) / (sum ms) × (b). The JSON goes to bench/results/stage_costs.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura

from bench import paths
from bench.corpus_site import CorpusSite, template
from bench.crawl.baselines import BARE_FETCH, plain_extract
from bench.extraction_quality import find_corpus, load
from bench.paths import ROOT
from crawler.article import build_page
from crawler.entities.find import find_entities
from crawler.entities.kb import KnowledgeBase
from crawler.extract import DATE_PARAMS, Extraction, extract
from crawler.items import PageFetched
from crawler.page_metadata import page_metadata
from storage.db import open_database
from storage.records import FetchedPage
from storage.versions import ensure_source, record_page

RESULTS = paths.RESULTS / "stage_costs.json"
URL = "http://127.0.0.1/a/{}.html"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.stage_costs", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--corpus", type=Path, help="default: $LABSCOPE_CORPUS or ../shared")
    parser.add_argument("--pages", type=int, default=1000, help="pages fetched and stored")
    parser.add_argument("--passes", type=int, default=5, help="timed passes over the corpus")
    parser.add_argument("--json", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    corpus = find_corpus(args.corpus)
    if corpus is None:
        return 0
    templates = [template(p.html, p.truth) for p in load(corpus)]
    site = CorpusSite(templates, args.pages).start()
    try:
        fetch = fetch_ms(site, args.pages)
    finally:
        site.stop()
    html = [site.body(i).decode() for i in range(len(templates))]
    stages = {"fetch": fetch, **extraction_ms(html, args.passes)}
    stages["store"] = store_ms(site, args.pages)
    print(table(stages))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"ms_a_page": stages}, indent=2) + "\n", "utf-8")
    print(f"\nwritten to {args.json}")
    return 0


def fetch_ms(site: CorpusSite, pages: int) -> float:
    """CPU ms a page of the bare Scrapy spider, start-up cancelled out."""
    few = max(pages // 10, 1)

    def cpu_of(count: int) -> float:
        site.count = count
        before = _children_cpu()
        command = [*BARE_FETCH, site.base + "/sitemap.xml"]
        subprocess.run(command, capture_output=True, check=True, timeout=3600, cwd=ROOT)
        return _children_cpu() - before

    cpu_of(few)  # the first run warms the file cache for Scrapy's imports
    spent = statistics.median(cpu_of(pages) - cpu_of(few) for _ in range(3))
    site.count = pages
    return spent / (pages - few) * 1000


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def extraction_ms(html: Sequence[str], passes: int) -> dict[str, float]:
    """ms a page of plain trafilatura, of our extraction (and its metadata) and entities."""
    results = [extract(page, URL.format(i)) for i, page in enumerate(html)]
    found = [(r.text, r.title) for r in results if isinstance(r, Extraction)]
    trees = [trafilatura.load_html(page) for page in html]
    kb = KnowledgeBase.default()
    return _interleaved(
        {
            "plain": (html, plain_extract),
            "extract": (list(enumerate(html)), lambda p: extract(p[1], URL.format(p[0]))),
            "metadata": (trees, lambda tree: page_metadata(tree, URL, DATE_PARAMS)),
            "entities": (found, lambda f: find_entities(f[0], kb, title=f[1])),
        },
        passes,
    )


def _interleaved(
    stages: dict[str, tuple[Sequence[Any], Callable[[Any], object]]], passes: int
) -> dict[str, float]:
    """Median over passes of each stage's CPU ms an item, after an untimed pass (caches,
    imports). Each pass runs every stage, in a rotating order, so that a slow minute of a
    shared machine weighs on all of them alike rather than on the one it fell in."""
    times: dict[str, list[float]] = {name: [] for name in stages}
    names = list(stages)
    for number in range(passes + 1):
        for name in names[number % len(names) :] + names[: number % len(names)]:
            items, work = stages[name]
            start = time.process_time()
            for item in items:
                work(item)
            if number:
                times[name].append((time.process_time() - start) / len(items) * 1000)
    return {name: statistics.median(spent) for name, spent in times.items()}


def store_ms(site: CorpusSite, count: int) -> float:
    """CPU ms a page of record_page, a transaction a page, into a fresh SQLite file."""
    kb = KnowledgeBase.default()
    now = datetime.now(UTC)
    built: list[FetchedPage] = []
    for i in range(len(site.templates)):
        body = site.body(i)
        page = _built(i, body, now, kb)
        if page is not None:
            built.append(page)
    pages = [
        replace(p, url=URL.format(i), article_url=URL.format(i), body=p.body + b"<!-- %d -->" % i)
        for i, p in ((i, built[i % len(built)]) for i in range(count))
    ]
    with tempfile.TemporaryDirectory(prefix="stage-costs-") as scratch:
        db = open_database(f"sqlite:///{scratch}/stages.db")
        with db.transaction() as session:
            ensure_source(session, "corpus", "sitemap", "http://127.0.0.1/sitemap.xml")
        start = time.process_time()
        for page in pages:
            with db.transaction() as session:
                record_page(session, page)
        spent = time.process_time() - start
        db.close()
    return spent / count * 1000


def _built(i: int, body: bytes, now: datetime, kb: KnowledgeBase) -> FetchedPage | None:
    item = PageFetched("corpus", URL.format(i), URL.format(i), now, body, body.decode())
    page = build_page(item, kb)
    return page if isinstance(page, FetchedPage) else None


def table(ms: dict[str, float]) -> str:
    """The stages, their sum, and the best ratio to (b) that sum allows."""
    work = ms["fetch"] + ms["extract"] + ms["entities"] + ms["store"]
    bare = work - ms["metadata"] - ms["entities"]
    rows = [
        ("plain trafilatura.extract, the unit of (a) and (b)", ms["plain"]),
        ("fetch: a bare Scrapy spider", ms["fetch"]),
        ("extract: trafilatura's text, metadata, checks", ms["extract"]),
        ("  of which metadata (title, bylines, date, site)", ms["metadata"]),
        ("entities", ms["entities"]),
        ("store: record_page, a transaction a page", ms["store"]),
        ("sum: a first crawl's work", work),
    ]
    lines = [f"{'stage (CPU ms a page, one core)':52s} {'ms':>6s}"]
    lines += [f"{name:52s} {value:6.2f}" for name, value in rows]
    lines.append("")
    lines.append(f"best first crawl this work allows: {ms['plain'] / work:.2f}x (b)")
    lines.append(f"  without metadata and entities:    {ms['plain'] / bare:.2f}x (b)")
    lines.append(f"  0.8x (b) allows {ms['plain'] / 0.8:.1f} ms a page for all of it")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
