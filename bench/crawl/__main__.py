"""Benchmark whole `labscope crawl` runs of real news pages against baselines from the same run.

    python -m bench.crawl [--urls 2000] [--big-urls 10000] [--skip-big] [--reps 3]
                                [--corpus PATH] [--json PATH]
    python -m bench.crawl --check     # stored-text quality only; exit 1 below the floor

The pages are the 181 real pages of ScrapingHub's article-extraction-benchmark (folder from
--corpus, else $LABSCOPE_CORPUS, else /work/shared/corpus/article-extraction-benchmark; when it
is absent the script says so and exits 0), served by bench.corpus_site on 127.0.0.1 under
--urls distinct URLs (each byte-unique) listed in a sitemap. Every crawl is the real CLI in a
subprocess, `python -m cli --config CFG crawl --json`, into a fresh SQLite file per repetition.

The machine is shared and noisy, so every speed is judged as a ratio to a baseline measured in
the same repetition, and the table shows median, min and max over --reps.

    (a) trafilatura.extract(html, include_comments=False) in a loop, one process (pages/s)
    (b) the same on a process per core: the machine's extraction limit
    (c) a bare Scrapy spider fetching the same URLs with the same connection settings: the
        fetch limit (bench.bare_fetch)
    (c') the same spider asking for every article "If-None-Match: *", which the server answers
        with a 304: the limit of a recrawl answered by 304s
    (d) the same spider passing each page to plain trafilatura in its callback (as (a) does):
        the crawler one writes without labscope

and the crawls, timed by the crawl_runs record (started to finished, process start-up left
out; the subprocess's wall time is shown beside it):

    first crawl           fresh database; every page fetched, extracted and stored
                          targets: >= 0.8 x (b), > (a), >= 1.2 x (d)
    recrawl, 304s         the server has validators: every page answers 304; target >= 10 x first
    recrawl, 200s         no validators: the same HTML again, recognised by its hash; >= 5 x first
    edit recrawl          10% of URLs gained a paragraph (bench.corpus_site puts it where the
                          extracted text has it, and only pages where plain trafilatura keeps it
                          are chosen): new versions must equal the pages changed

Once per run: peak memory of a --big-urls crawl (RSS summed over the crawl process and all its
descendants, sampled every 0.15 s; target < 500 MB), with its peak over the first 2,000 pages
beside it to show whether memory grows with the number of pages; the archive's size (SQLite file
and WAL after a checkpoint) against the raw HTML it stores (target < 30%); and the quality of the
stored text of the first 181 URLs against the ground truth, by the benchmark's own metric
(bench.extraction_quality), next to plain trafilatura on the same served HTML (target: no
worse). Results go to bench/results/crawl_bench.json (or --json PATH).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.corpus_site import CorpusSite, edit_marker, template
from bench.crawl.baselines import (
    bare_fetch,
    cores,
    extract_all,
    extraction_loop,
    extraction_pool,
)
from bench.crawl.cli import write_config
from bench.crawl.crawls import CONCURRENCY, big_crawl, commit, crawl, raw_html, set_mode
from bench.crawl.db import storage
from bench.crawl.figures import CRAWLS, figures
from bench.crawl.quality import check, quality, stored_texts
from bench.crawl.report import table
from bench.extraction_quality import Page, find_corpus, load
from bench.paths import RESULTS

BASELINE_PAGES = 362  # the corpus twice
EDITED_SHARE = 0.1
DEFAULT_JSON = RESULTS / "crawl_bench.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.crawl", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--urls", type=int, default=2000, help="URLs per crawl (>= 181)")
    parser.add_argument("--big-urls", type=int, default=10_000, help="URLs of the memory crawl")
    parser.add_argument("--skip-big", action="store_true", help="skip the memory crawl")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (median, min, max)")
    parser.add_argument("--corpus", type=Path, help="the article-extraction-benchmark folder")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where results go")
    parser.add_argument("--check", action="store_true", help="only the quick quality check")
    args = parser.parse_args(argv)
    if args.urls < 181 or args.reps < 1 or args.big_urls < 1:
        parser.error("--urls must be at least 181 (the corpus), --reps and --big-urls at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or only --check) and return the exit status."""
    args = parse_args(argv)
    corpus = find_corpus(args.corpus)
    if corpus is None:
        return 0
    pages = load(corpus)
    if args.check:
        return check(pages)
    site = CorpusSite([template(p.html, p.truth) for p in pages], args.urls).start()
    try:
        with tempfile.TemporaryDirectory(prefix="crawl-bench-") as scratch:
            results = run_all(site, pages, args, Path(scratch))
    finally:
        site.stop()
    shown = figures(results)
    print(table(shown))
    if errors := failures(results):
        print("\nfailed pages (the first ten):\n  " + "\n  ".join(errors))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    results["figures"] = [figure.as_json() for figure in shown]
    args.json.write_text(json.dumps(results, indent=2, default=str) + "\n", "utf-8")
    print(f"\nwritten to {args.json}")
    return 0


def run_all(
    site: CorpusSite, pages: list[Page], args: argparse.Namespace, scratch: Path
) -> dict[str, Any]:
    """Every measurement; the first repetition also measures storage and quality."""
    print(f"{len(pages)} corpus pages, {args.urls} URLs at {site.base}, {cores()} cores")
    baseline_pages = [site.body(i).decode() for i in range(BASELINE_PAGES)]
    edited = choose_edits(site, args.urls)
    results: dict[str, Any] = {
        "machine": {"cores": cores(), "load_average": os.getloadavg()},
        "commit": commit(),
        "command": sys.argv,
        "urls": args.urls,
        "edited": len(edited),
        "reps": [],
    }
    for number in range(args.reps):
        print(f"repetition {number + 1} of {args.reps}", flush=True)
        folder = scratch / f"rep{number}"
        rep = repetition(site, folder, baseline_pages, edited)
        plain_texts = rep.pop("plain_texts")
        if number == 0:  # the same pages give the same texts: once is enough
            results["quality"] = {
                "stored": quality(pages, stored_texts(folder / "bench.db", len(pages)))._asdict(),
                "plain": quality(pages, plain_texts[: len(pages)])._asdict(),
            }
        results["reps"].append(rep)
    results["storage"] = results["reps"][0]["storage"]
    if not args.skip_big:
        print(f"memory crawl of {args.big_urls} URLs", flush=True)
        results["big"] = big_crawl(site, scratch / "big", args.big_urls)
    results["machine"]["load_average_after"] = os.getloadavg()
    return results


def failures(results: dict[str, Any]) -> list[str]:
    """'url: reason' of the first failed pages of any crawl."""
    crawls = [rep[key] for rep in results["reps"] for key in CRAWLS]
    crawls += [results["big"]] if "big" in results else []
    return [f"{error['url']}: {error['reason']}" for c in crawls for error in c["errors"]][:10]


def choose_edits(site: CorpusSite, count: int) -> frozenset[int]:
    """EDITED_SHARE of the URLs, among corpus pages whose edit plain trafilatura keeps.

    On two pages of the corpus the only ground-truth paragraph before the article is a video
    caption that extractors drop, so an edit there cannot make a version; those are left out.
    """
    corpus = len(site.templates)
    site.edited = frozenset(range(corpus))
    texts = extract_all([site.body(i).decode() for i in range(corpus)], cores())
    site.edited = frozenset()
    landing = {i for i, text in enumerate(texts) if edit_marker(i) in text}
    candidates = [i for i in range(count) if i % corpus in landing]
    return frozenset(random.Random(count).sample(candidates, int(count * EDITED_SHARE)))


def repetition(
    site: CorpusSite, folder: Path, baseline_pages: list[str], edited: frozenset[int]
) -> dict[str, Any]:
    """Baselines (a), (b), (c), (c'), (d), then the four crawls into a fresh database."""
    sitemap = f"{site.base}/sitemap.xml"
    set_mode(site, validators=True)
    rate_a, plain_texts = extraction_loop(baseline_pages)
    rate_b = extraction_pool(baseline_pages, cores())
    bare = bare_fetch(sitemap, CONCURRENCY)
    bare_304 = bare_fetch(sitemap, CONCURRENCY, not_modified=True)
    spider = bare_fetch(sitemap, CONCURRENCY, extract=True)
    rep: dict[str, Any] = {
        "a": rate_a,
        "b": rate_b,
        "c": bare["pages"] / bare["seconds"],
        "c304": bare_304["pages"] / bare_304["seconds"],
        "d": spider["pages"] / spider["seconds"],
        "bare_fetch": bare,
        "bare_fetch_304": bare_304,
        "plain_spider": spider,
        "plain_texts": plain_texts,
    }
    config = write_config(folder, sitemap, CONCURRENCY)
    rep["first"] = crawl(site, config)
    rep["storage"] = asdict(storage(folder / "bench.db"))
    rep["storage"]["raw_html_bytes"] = raw_html(site, folder / "bench.db")
    rep["r304"] = crawl(site, config)
    set_mode(site, validators=False)
    rep["r200"] = crawl(site, config)
    set_mode(site, validators=True, edited=edited)
    rep["edit"] = crawl(site, config)
    set_mode(site, validators=True)
    return rep


if __name__ == "__main__":
    sys.exit(main())
