"""How crawl and query cost grow with the archive: the same crawl into archives of 1k to 100k.

    python -m bench.scaling [--sizes 1000,10000,100000] [--pages 400] [--archive-100k PATH]
                            [--cache DIR] [--corpus PATH] [--json PATH]

An archive is crawled into for years, so a step that reads the whole archive for each page
(an entity first-seen check, URL de-duplication, finding an article's last version) would make
every crawl slower as it grows, unnoticed in tests on small databases. This script measures
the cost per page at several archive sizes; flat figures mean every per-page step is indexed.

For each size in --sizes, a synthetic archive (bench.archive, seed 7: 3 versions per
article, entities, events and the search index) is built into --cache once and reused by later
runs; --archive-100k reuses an existing 100,000-article file instead (it is copied through
SQLite's backup API, never written to). On a fresh copy of it:

1. the three query kinds of bench.query_speed, 20 queries each (median and p95, each in a
   fresh session; the median number of versions a search matches is recorded beside it:
   a search's cost grows with its matches, which grow with the archive by design);
2. a first crawl through the real CLI (`python -m cli --config CFG crawl --json`, as
   bench.crawl runs it) of --pages URLs of bench.corpus_site, the real pages of the
   article-extraction-benchmark (--corpus, else $LABSCOPE_CORPUS, else
   /work/shared/corpus/article-extraction-benchmark; absent, the script says so and exits 0).
   The archive holds other sources, so every page is a new article. Time per page is the
   crawl_runs record's started-to-finished over the pages fetched (process start-up left out);
   CPU per page is the crawl process's and its extraction workers', start-up included;
3. a recrawl of the same URLs with the server sending validators: every page answers 304.

The same URLs and the same server serve every size. It prints one row per size and the ratio
of the largest size to the smallest for each figure (flat: about 1.0x), and writes everything
to bench/results/scaling.json (or --json PATH).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.corpus_site import CorpusSite, template
from bench.crawl.cli import write_config
from bench.crawl.crawls import CONCURRENCY, crawl
from bench.extraction_quality import find_corpus, load
from bench.paths import RESULTS
from bench.scaling.archive import article_count, cached_archive, copy_archive
from bench.scaling.queries import median_matches, time_queries
from bench.scaling.report import ratio_label, ratios, table
from storage.db import open_database

DEFAULT_JSON = RESULTS / "scaling.json"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "labscope-scaling"
BIG = 100_000  # the size --archive-100k stands for
QUERIES = 20  # per kind


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scaling", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--sizes", type=_sizes, default=[1000, 10_000, BIG], help="articles")
    parser.add_argument("--pages", type=int, default=400, help="URLs crawled at each size")
    parser.add_argument(
        "--archive-100k", type=Path, help="an existing 100,000-article archive (copied)"
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="built archives")
    parser.add_argument("--corpus", type=Path, help="the article-extraction-benchmark folder")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where results go")
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    if args.archive_100k is not None and not args.archive_100k.is_file():
        parser.error(f"--archive-100k: no file {args.archive_100k}")
    return args


def _sizes(value: str) -> list[int]:
    """ "1000,10000" -> [1000, 10000], sorted: the ratio is largest over smallest."""
    try:
        sizes = sorted({int(part.replace("_", "")) for part in value.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 1000,10000: {value!r}") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes must be positive numbers of articles")
    return sizes


def main(argv: list[str] | None = None) -> int:
    """Measure every size, print the table, write the JSON; return the exit status."""
    args = parse_args(argv)
    corpus = find_corpus(args.corpus)
    if corpus is None:
        return 0
    pages = load(corpus)
    site = CorpusSite([template(p.html, p.truth) for p in pages], args.pages).start()
    print(f"{args.pages} URLs at {site.base} ({len(pages)} corpus pages); cache {args.cache}")
    results: dict[str, Any] = {
        "command": sys.argv,
        "pages": args.pages,
        "cores": os.cpu_count(),
        "sizes": [],
    }
    try:
        with tempfile.TemporaryDirectory(prefix="labscope-scaling-") as scratch:
            for size in args.sizes:
                source = archive_for(size, args)
                measured = measure(site, source, Path(scratch) / str(size))
                print(summary_line(measured), flush=True)
                results["sizes"].append(measured)
    finally:
        site.stop()
    sizes = results["sizes"]
    print()
    print(table(sizes))
    if len(sizes) > 1:
        results["ratios"] = {"label": ratio_label(sizes), **ratios(sizes)}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"\nwritten to {args.json}")
    return 0


def archive_for(size: int, args: argparse.Namespace) -> Path:
    """The pristine archive of `size` articles: --archive-100k for 100,000, else the cache's."""
    if size == BIG and args.archive_100k is not None:
        found = article_count(args.archive_100k)
        if found != BIG:
            raise SystemExit(f"--archive-100k {args.archive_100k} holds {found:,} articles")
        return Path(args.archive_100k)
    return cached_archive(size, args.cache)


def measure(site: CorpusSite, source: Path, folder: Path) -> dict[str, Any]:
    """Queries, first crawl and 304 recrawl on a fresh copy of `source`, removed afterwards."""
    folder.mkdir(parents=True)
    db_path = folder / "bench.db"  # where write_config's config points the crawl
    began = time.perf_counter()
    copy_archive(source, db_path)
    copied = time.perf_counter() - began
    load = [os.getloadavg()[0]]
    try:
        db = open_database(f"sqlite:///{db_path}")
        try:
            queries = time_queries(db, QUERIES)
        finally:
            db.close()
        articles = article_count(db_path)
        config = write_config(folder, f"{site.base}/sitemap.xml", CONCURRENCY)
        site.validators, site.edited = True, frozenset()
        first = per_page(crawl(site, config))
        r304 = per_page(crawl(site, config))
        load.append(os.getloadavg()[0])
    finally:
        shutil.rmtree(folder)
    check(first, "new_articles", site.count)
    check(r304, "not_modified", site.count)
    return {
        "articles": articles,
        "archive": str(source),
        "copy_seconds": copied,
        "load_average": load,  # 1 minute, before and after: how busy the shared machine was
        "queries": [{**asdict(q), "median_versions_matched": median_matches(q)} for q in queries],
        "first": first,
        "r304": r304,
    }


def per_page(result: dict[str, Any]) -> dict[str, Any]:
    """bench.crawl's figures of a crawl plus its in-run milliseconds per page fetched."""
    return {**result, "ms_per_page": 1000 * result["run_seconds"] / max(result["fetched"], 1)}


def check(result: dict[str, Any], key: str, expected: int) -> None:
    """Warn, without stopping, when a crawl did not do what its figure assumes."""
    if result[key] != expected or result["failed"]:
        errors = "; ".join(f"{e['url']}: {e['reason']}" for e in result["errors"][:3])
        print(f"  warning: {key} {result[key]} of {expected}, failed {result['failed']} {errors}")


def summary_line(size: dict[str, Any]) -> str:
    first, r304 = size["first"], size["r304"]
    medians = ", ".join(f"{q['median_ms']:.1f}" for q in size["queries"])
    return (
        f"{size['articles']:,} articles (copied in {size['copy_seconds']:.0f} s): "
        f"first crawl {first['ms_per_page']:.1f} ms/page, 304 recrawl "
        f"{r304['ms_per_page']:.1f} ms/page, query medians {medians} ms; "
        f"load {size['load_average'][0]:.1f} -> {size['load_average'][-1]:.1f}"
    )


if __name__ == "__main__":
    sys.exit(main())
