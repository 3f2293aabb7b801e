"""Benchmark the recrawl of churned markup, start-up of a small query, and news-please (issue 22).

    python -m bench.recrawl_churn [--urls 400] [--reps 3] [--corpus PATH] [--json PATH]

The 181 pages of the article-extraction-benchmark corpus (absent: the script says so and exits
0) are served by bench.corpus_site under --urls URLs without validators (every recrawl is a
200 with the whole page, as on most news sites). In each repetition, into a fresh SQLite file,
every crawl the real CLI in a subprocess (`python -m cli crawl --json`, timed by its crawl_runs
record) and every speed a ratio to a figure of the same repetition:

    first crawl      every page fetched, extracted and stored
    churned          every page's markup changed (bench.churn: script code, nonce script,
                     CSRF meta, attributes, comments, ad slots), no text edited;
                     target >= 4 x the first crawl, and no version stored
    10% edited       churned again, and one URL in ten with a word of its longest ground-truth
                     paragraph replaced, among pages where plain trafilatura sees the edit:
                     target exactly one new version per edited URL
    articles         `labscope articles --limit 20` (wall time, start-up included) against a
                     bare sqlite3 query reading the same rows in a Python process; <= 6 x
    news-please      its extraction of the first crawl's pages on all cores (a virtualenv at
                     $NEWSPLEASE_VENV or /tmp/np: `python3 -m venv /tmp/np && /tmp/np/bin/pip
                     install news-please`; skipped with the reason when absent) against
                     labscope's first crawl, pages/s; target: the first crawl >= news-please
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.churn import churn, edit_word
from bench.corpus_site import CorpusSite, template
from bench.crawl.baselines import cores, extract_all
from bench.crawl.cli import write_config
from bench.crawl.crawls import CONCURRENCY, commit, crawl
from bench.extraction_quality import Page, find_corpus, load
from bench.paths import RESULTS, ROOT

DEFAULT_JSON = RESULTS / "recrawl_churn.json"
EDITED_SHARE = 0.1
QUERY_RUNS = 5
NEWSPLEASE = Path(os.environ.get("NEWSPLEASE_VENV", "/tmp/np")) / "bin" / "python"
BARE_QUERY = """\
import sqlite3, sys
with sqlite3.connect(sys.argv[1]) as db:
    rows = db.execute(
        "SELECT a.id, v.published, s.name, v.title, v.number FROM articles a"
        " JOIN versions v ON v.id = a.latest_version_id JOIN sources s ON s.id = a.source_id"
        " ORDER BY a.dated DESC LIMIT 20"
    ).fetchall()
print(len(rows))
"""
NEWSPLEASE_RUN = """\
import json, sys, time
from multiprocessing import Pool
from newsplease import NewsPlease

def extract(page):
    html, url = page
    try:
        return len(NewsPlease.from_html(html, url=url, fetch_images=False).maintext or "")
    except Exception:  # e.g. nltk data it wants for one language: a failed page, as in use
        return -1

pages = json.load(sys.stdin)
start = time.perf_counter()
with Pool(int(sys.argv[1])) as pool:
    lengths = pool.map(extract, pages, chunksize=4)
seconds = time.perf_counter() - start
failed = sum(1 for n in lengths if n < 0)
print(json.dumps({"seconds": seconds, "pages": len(lengths), "failed": failed}))
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.recrawl_churn", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--urls", type=int, default=400, help="URLs per crawl (>= 181)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (median, min, max)")
    parser.add_argument("--corpus", type=Path, help="the article-extraction-benchmark folder")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where results go")
    args = parser.parse_args(argv)
    if args.urls < 181 or args.reps < 1:
        parser.error("--urls must be at least 181 (the corpus), --reps at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    corpus = find_corpus(args.corpus)
    if corpus is None:
        return 0
    pages = load(corpus)
    site = CorpusSite([template(p.html, p.truth) for p in pages], args.urls).start()
    site.validators = False
    print(f"{len(pages)} corpus pages, {args.urls} URLs at {site.base}, {cores()} cores")
    edits = edited_bodies(site, pages)
    results: dict[str, Any] = {"commit": commit(), "command": sys.argv, "reps": []}
    try:
        with tempfile.TemporaryDirectory(prefix="recrawl-churn-") as scratch:
            for number in range(args.reps):
                print(f"repetition {number + 1} of {args.reps}", flush=True)
                folder = Path(scratch) / f"rep{number}"
                results["reps"].append(repetition(site, folder, edits, number))
    finally:
        site.stop()
    results["edited"] = len(edits)
    shown = report(results)
    print(shown)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=str) + "\n", "utf-8")
    print(f"\nwritten to {args.json}")
    return 0


def edited_bodies(site: CorpusSite, pages: list[Page]) -> dict[int, str]:
    """EDITED_SHARE of the URLs, each with a word of its page's longest ground-truth paragraph
    replaced, among the edits plain trafilatura sees (its text of the page changes)."""
    rnd = random.Random(site.count)
    candidates: dict[int, str] = {}
    for i, page in enumerate(pages):
        longest = max(page.truth.splitlines(), key=len, default="")
        body = site.body(i).decode()
        edited = edit_word(body, longest, rnd)
        if edited is not None:
            candidates[i] = edited
    keys = sorted(candidates)
    before = extract_all([site.body(i).decode() for i in keys], cores())
    after = extract_all([candidates[i] for i in keys], cores())
    seen = [i for i, old, new in zip(keys, before, after, strict=True) if old != new]
    chosen = rnd.sample(seen, min(len(seen), int(site.count * EDITED_SHARE)))
    return {i: candidates[i] for i in chosen}


def repetition(
    site: CorpusSite, folder: Path, edits: dict[int, str], number: int
) -> dict[str, Any]:
    """The three crawls into a fresh database, the query timings, news-please."""
    config = write_config(folder, f"{site.base}/sitemap.xml", CONCURRENCY)
    site.served = {}
    originals = [site.body(i).decode() for i in range(site.count)]
    rep: dict[str, Any] = {"first": crawl(site, config)}
    rnd = random.Random(number)
    site.served = {i: churn(html, rnd).encode() for i, html in enumerate(originals)}
    rep["churned"] = crawl(site, config)
    site.served = {i: churn(edits.get(i, html), rnd).encode() for i, html in enumerate(originals)}
    rep["edited"] = crawl(site, config)
    site.served = {}
    rep["articles_seconds"] = median_wall(
        [sys.executable, "-m", "cli", "--config", str(config), "articles", "--limit", "20"]
    )
    rep["sqlite_seconds"] = median_wall(
        [sys.executable, "-c", BARE_QUERY, str(folder / "bench.db")]
    )
    rep["newsplease"] = newsplease(originals)
    return rep


def median_wall(command: list[str]) -> float:
    """The median wall time of QUERY_RUNS runs of `command` (a new process each time)."""
    times = []
    for _ in range(QUERY_RUNS):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def newsplease(pages: list[str]) -> dict[str, Any] | str:
    """news-please's extraction of `pages` on every core, in its own virtualenv, or why not."""
    if not NEWSPLEASE.exists():
        return f"skipped: no news-please virtualenv at {NEWSPLEASE.parent.parent}"
    url = "https://news.example/a/{}.html"
    payload = json.dumps([(html, url.format(i)) for i, html in enumerate(pages)])
    done = subprocess.run(
        [str(NEWSPLEASE), "-c", NEWSPLEASE_RUN, str(cores())],
        input=payload,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return f"skipped: news-please failed: {done.stderr.strip().splitlines()[-1:]}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def report(results: dict[str, Any]) -> str:
    """The table of ratios, medians over the repetitions, each ratio within one repetition."""
    reps = results["reps"]
    speed = [r["first"]["run_seconds"] / r["churned"]["run_seconds"] for r in reps]
    edit_speed = [r["first"]["run_seconds"] / r["edited"]["run_seconds"] for r in reps]
    query = [r["articles_seconds"] / r["sqlite_seconds"] for r in reps]
    churn_versions = [r["churned"]["new_versions"] for r in reps]
    edit_versions = [r["edited"]["new_versions"] for r in reps]
    lines = [
        "| figure | median (min, max) | target |",
        "|---|---|---|",
        f"| churned recrawl, x first crawl | {_median(speed)} | >= 4 |",
        f"| churned recrawl, versions stored | {max(churn_versions)} (max) | 0 |",
        f"| 10% edited recrawl, x first crawl | {_median(edit_speed)} | |",
        f"| 10% edited: new versions / URLs edited | {min(edit_versions)}-{max(edit_versions)}"
        f" / {results['edited']} | equal |",
        f"| `articles --limit 20`, x bare sqlite3 | {_median(query)} | <= 6 |",
        f"| `articles --limit 20`, s | {_median([r['articles_seconds'] for r in reps])} | |",
    ]
    plain = [r["newsplease"] for r in reps if isinstance(r["newsplease"], dict)]
    if plain:
        ratio = [
            r["first"]["pages_per_s"] / (r["newsplease"]["pages"] / r["newsplease"]["seconds"])
            for r in reps
            if isinstance(r["newsplease"], dict)
        ]
        failed = max(
            r["newsplease"].get("failed", 0) for r in reps if isinstance(r["newsplease"], dict)
        )
        lines.append(
            f"| first crawl, x news-please on all cores ({failed} pages it failed) | "
            f"{_median(ratio)} | >= 1 |"
        )
    else:
        lines.append(f"| first crawl, x news-please | {reps[0]['newsplease']} | >= 1 |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
