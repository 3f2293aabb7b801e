"""Processes that lose their owner: a crawl killed under its extraction workers, a scheduler
killed under its child crawl. Real processes, killed with SIGKILL (the OOM killer's signal)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from conftest import Labscope, many_articles, source
from test_faults import start_crawl

from crawler.site_server import SiteServer


def children(pid: int) -> list[int]:
    """The live processes whose parent is `pid`, read from /proc (zombies are not alive)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended while we looked
            continue
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


def test_extraction_workers_exit_when_their_crawl_is_sigkilled(
    site: SiteServer, labscope: Labscope
) -> None:
    listing = many_articles(site, 6)
    for i in range(6):
        page = site.overrides[f"/many/story-{i}.html"]
        page.delay = 3  # a slow site: the crawl is still running when it is killed
    labscope.write_config(
        source("many", "listing", listing, r"/many/story-\d+\.html"),
        crawl="delay = 0\ntimeout = 30\nconcurrency = 1\nworkers = 2",
    )
    crawl = start_crawl(labscope)
    workers: list[int] = []
    try:
        # The pool starts its two workers with the first page (plus multiprocessing's resource
        # tracker): wait for them.
        assert wait_until(lambda: len(children(crawl.pid)) >= 2, 60), crawl.pid
        workers = children(crawl.pid)
        assert all(alive(pid) for pid in workers)
        os.kill(crawl.pid, signal.SIGKILL)  # the crawl alone, not its process group
        crawl.wait(timeout=10)  # not communicate(): live workers would hold its pipes open
        assert wait_until(lambda: not any(alive(pid) for pid in workers), 5), [
            pid for pid in workers if alive(pid)
        ]
    finally:
        if crawl.poll() is None:
            crawl.kill()
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        crawl.communicate()
