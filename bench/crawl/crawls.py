"""The crawls the crawl benchmark times, shared with bench.recrawl_churn and bench.scaling.

Each crawl is the real CLI in a subprocess (bench.crawl.cli) against a bench.corpus_site server;
the figures kept are its summary, its wall and in-run seconds, CPU and memory peaks.
"""

from __future__ import annotations

import subprocess
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.corpus_site import CorpusSite
from bench.crawl.cli import run_crawl, write_config
from bench.crawl.db import run_seconds, storage
from bench.crawl.figures import MEMORY_MARK
from bench.crawl.quality import stored_texts
from bench.paths import ROOT

CONCURRENCY = 16


def set_mode(site: CorpusSite, validators: bool, edited: frozenset[int] = frozenset()) -> None:
    """What the server answers next crawl: validators (so 304s) or not, and the edited URLs."""
    site.validators, site.edited = validators, edited


def crawl(site: CorpusSite, config: Path) -> dict[str, Any]:
    """One CLI crawl: its summary, wall and in-run seconds, pages/s, and memory peaks."""
    served_before = site.article_requests
    outcome = run_crawl(config, lambda: site.article_requests - served_before)
    summary = outcome.summary
    if summary["fetched"] < site.count:  # a figure of some other crawl is worse than none
        problem = f"the crawl fetched {summary['fetched']} of the {site.count} URLs"
        raise RuntimeError(f"{problem}: {summary.get('errors', [])[:3]}")
    seconds = run_seconds(config.parent / "bench.db", summary["run_id"]) or outcome.wall_seconds
    return {
        **{k: v for k, v in summary.items() if k not in ("errors", "by_source")},
        "errors": summary.get("errors", [])[:5],
        "wall_seconds": outcome.wall_seconds,
        "run_seconds": seconds,
        "pages_per_s": summary["fetched"] / seconds,
        "wall_pages_per_s": summary["fetched"] / outcome.wall_seconds,
        "cpu_ms_per_page_main": 1000 * outcome.cpu_main / max(summary["fetched"], 1),
        "cpu_ms_per_page_children": 1000 * outcome.cpu_children / max(summary["fetched"], 1),
        "peak_rss": outcome.peak("rss"),
        "peak_pss": outcome.peak("pss"),
        f"peak_rss_first_{MEMORY_MARK}": outcome.peak("rss", MEMORY_MARK),
        "rss_by_1000_pages": _rss_by_thousand(outcome.samples),
    }


def _rss_by_thousand(samples: list[Any]) -> list[int]:
    """The highest RSS seen while each successive thousand pages was being served."""
    peaks: dict[int, int] = {}
    for sample in samples:
        block = sample.pages // 1000
        peaks[block] = max(peaks.get(block, 0), sample.rss)
    return [peaks[block] for block in sorted(peaks)]


def raw_html(site: CorpusSite, db: Path) -> int:
    """Bytes of the HTML served for the URLs that have a stored version."""
    texts = stored_texts(db, site.count)
    return sum(len(site.body(i)) for i, text in enumerate(texts) if text)


def big_crawl(site: CorpusSite, folder: Path, count: int) -> dict[str, Any]:
    """The memory crawl: --big-urls URLs into a fresh database, with its storage."""
    urls, site.count = site.count, count
    try:
        set_mode(site, validators=True)
        result = crawl(site, write_config(folder, f"{site.base}/sitemap.xml", CONCURRENCY))
        result["storage"] = asdict(storage(folder / "bench.db"))
        result["storage"]["raw_html_bytes"] = raw_html(site, folder / "bench.db")
    finally:
        site.count = urls
    result["urls"] = count
    return result


def commit() -> str:
    """The code measured: HEAD, marked when the work tree differs from it."""
    git = ["git", "-C", str(ROOT)]
    try:
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True)
        status = [*git, "status", "--porcelain", "--untracked-files=no"]
        dirty = subprocess.run(status, capture_output=True)
    except OSError:
        return "unknown"
    return head.stdout.decode().strip() + ("+uncommitted" if dirty.stdout.strip() else "")
