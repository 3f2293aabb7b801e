"""One `labscope crawl --json` run as a user runs it, with its memory watched from outside.

The crawl runs in a subprocess of the real CLI (`python -m cli --config CFG crawl --json`,
cwd a scratch folder), so the benchmark measures what a user gets and relies on nothing inside
the crawler. Every 0.15 s the process and all its descendants (the crawler may extract in
worker processes) are found in /proc and their memory summed: RSS, the usual figure, and PSS,
which splits pages shared between processes (forked workers share much of their parent's
memory, so summed RSS counts it several times). The CPU time each process had used when last
seen is kept too, to tell the crawl process's share of the work from its workers'.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

POLL_SECONDS = 0.15
TIMEOUT_SECONDS = 3 * 3600
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")
CONFIG = """\
[storage]
url = "sqlite:///{db}"

[crawl]
delay = 0
timeout = 30
concurrency = {concurrency}
max_articles = 1000000

[[sources]]
name = "corpus"
kind = "sitemap"
url = "{sitemap}"
"""


@dataclass(frozen=True)
class Sample:
    seconds: float  # since the subprocess started
    pages: int  # article requests the server had answered by then
    rss: int  # bytes, summed over the process tree
    pss: int


@dataclass
class CrawlOutcome:
    summary: dict[str, Any]  # the CLI's JSON: run_id, status, fetched, ..., failed, errors
    wall_seconds: float  # the subprocess, start-up included
    samples: list[Sample] = field(default_factory=list)
    cpu_main: float = 0.0  # CPU seconds of the crawl process, as last sampled
    cpu_children: float = 0.0  # of all its descendants together (work after the last sample lost)

    def peak(self, key: str = "rss", until_pages: int | None = None) -> int:
        """The highest `key` ("rss" or "pss") sampled, or only up to `until_pages` pages."""
        values = [
            getattr(s, key) for s in self.samples if until_pages is None or s.pages <= until_pages
        ]
        return max(values, default=0)


def write_config(folder: Path, sitemap: str, concurrency: int) -> Path:
    """A config.toml crawling `sitemap` into folder/bench.db, every URL in one run: a crawl
    fetches at most 500 article URLs of a source by default ([crawl] max_articles), and a
    benchmark of whole crawls under that cap measures four first crawls of 500 pages each."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    db = folder / "bench.db"
    path.write_text(CONFIG.format(db=db, sitemap=sitemap, concurrency=concurrency), "utf-8")
    return path


def run_crawl(config: Path, pages_served: Callable[[], int]) -> CrawlOutcome:
    """Run the CLI crawl to its end, sampling memory; a non-zero exit raises with its stderr."""
    folder = config.parent
    env = {k: v for k, v in os.environ.items() if k not in ("LABSCOPE_DB", "LABSCOPE_CONFIG")}
    command = [sys.executable, "-m", "cli", "--config", str(config), "crawl", "--json"]
    out, err = folder / "crawl.out", folder / "crawl.err"
    samples: list[Sample] = []
    cpu: dict[int, float] = {}
    with out.open("wb") as stdout, err.open("wb") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=folder, env=env, stdout=stdout, stderr=stderr, start_new_session=True
        )
        try:
            while process.poll() is None:
                processes = scan()
                tree = descendants(process.pid, processes) | {process.pid}
                cpu.update((pid, processes[pid][1]) for pid in tree if pid in processes)
                rss, pss = sum(map(_rss, tree)), sum(map(_pss, tree))
                samples.append(Sample(time.perf_counter() - start, pages_served(), rss, pss))
                if time.perf_counter() - start > TIMEOUT_SECONDS:
                    raise TimeoutError(f"crawl still running after {TIMEOUT_SECONDS} s")
                time.sleep(POLL_SECONDS)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: only what we started
                process.wait()
        wall = time.perf_counter() - start
    if process.returncode != 0:
        tail = err.read_text("utf-8", "replace")[-2000:]
        raise RuntimeError(f"labscope crawl exited {process.returncode}: {tail}")
    main = cpu.pop(process.pid, 0.0)
    return CrawlOutcome(json.loads(out.read_text("utf-8")), wall, samples, main, sum(cpu.values()))


def scan() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used) of every process, from /proc/PID/stat."""
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (stat := _stat(entry.name)) is not None:
            found[int(entry.name)] = stat
    return found


def descendants(root: int, processes: dict[int, tuple[int, float]]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (parent, _cpu) in processes.items():
        children.setdefault(parent, []).append(pid)
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _stat(pid: str) -> tuple[int, float] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the command name may hold spaces and ")"
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS  # ppid, utime + stime


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0
