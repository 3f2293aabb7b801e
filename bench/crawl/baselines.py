"""The baselines bench.crawl divides by, measured in the same run as the crawls.

(a) plain ``trafilatura.extract(html, include_comments=False)`` in a loop, one process: what a
crawler that only extracts would manage; (b) the same on one process per core: the machine's
extraction limit, which a crawler extracting in worker processes can approach; (c) a bare Scrapy
spider fetching the same URLs with labscope's connection settings and doing nothing with them
(bench.bare_fetch, in a subprocess since Scrapy's reactor cannot restart): the fetch limit
that recrawls, which extract little, are compared with; and (c') that spider asking for 304s,
the limit of a recrawl with validators.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import trafilatura

from bench.paths import ROOT

# Run from the project root, where `-m` finds bench/ (it is not installed).
BARE_FETCH = [sys.executable, "-m", "bench.bare_fetch"]


def plain_extract(html: str) -> str:
    """Plain trafilatura, as the task states it: defaults but comments left out."""
    return trafilatura.extract(html, include_comments=False) or ""


def cores() -> int:
    """The cores this process may run on (a container's quota, not the host's count)."""
    return len(os.sched_getaffinity(0))


def extraction_loop(pages: Sequence[str]) -> tuple[float, list[str]]:
    """Baseline (a): pages/s of one process, and the texts (for the quality comparison).

    The first few pages are extracted once beforehand: trafilatura's first call imports and
    compiles what it needs, a cost the crawler pays once per run, not per page.
    """
    for html in pages[:3]:
        plain_extract(html)
    start = time.perf_counter()
    texts = [plain_extract(html) for html in pages]
    return len(pages) / (time.perf_counter() - start), texts


def extraction_pool(pages: Sequence[str], processes: int) -> float:
    """Baseline (b): pages/s of one worker per core, sending each page to a worker.

    Spawned rather than forked: this process runs the corpus server's threads, and forking a
    threaded process can copy a held lock into the child. Workers are warmed up untimed.
    """
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        pool.map(plain_extract, pages[: processes * 2], chunksize=1)
        start = time.perf_counter()
        pool.map(plain_extract, pages, chunksize=2)
        return len(pages) / (time.perf_counter() - start)


def extract_all(pages: Sequence[str], processes: int) -> list[str]:
    """Plain trafilatura on every page, on every core; untimed (used to choose the edits)."""
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        return pool.map(plain_extract, pages, chunksize=2)


def bare_fetch(
    sitemap: str, concurrency: int, not_modified: bool = False, extract: bool = False
) -> dict[str, Any]:
    """Baseline (c), (c') asking for 304s or (d) extracting each page: run bench.bare_fetch;
    its JSON plus the wall time of the subprocess."""
    command = [*BARE_FETCH, sitemap, "--concurrency", str(concurrency)]
    command += ["--not-modified"] if not_modified else []
    command += ["--extract"] if extract else []
    start = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=3600, check=False, cwd=ROOT
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"bench.bare_fetch failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    result["wall_seconds"] = wall
    return result
