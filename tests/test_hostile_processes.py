"""Processes that lose their owner: a crawl killed under its extraction workers, a scheduler
killed under its child crawl. Real processes, killed with SIGKILL (the OOM killer's signal)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import Labscope, many_articles, source
from test_faults import start_crawl
from test_scheduler import DEEPSEEK, NO_RECHECK, query, scheduler, wait_for

from crawler.child import STOP_GRACE
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


def test_a_child_crawl_keeps_its_time_limit_when_its_scheduler_is_sigkilled(
    site: SiteServer, labscope: Labscope
) -> None:
    site.set_page("/hang.html", b"<html></html>", delay=60)
    labscope.write_config(
        NO_RECHECK + source("hang", "page", site.url("/hang.html")) + 'every = "1h"\n',
        crawl='delay = 0\ntimeout = 120\ntime_limit = "4s"',
    )
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "cli", "--config", str(labscope.config), "schedule"],
        cwd=labscope.config.parent,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    child = 0
    try:
        # The child crawl claims its run (its own pid) once it runs, then asks for the page.
        wait_for(lambda: any(h.path == "/hang.html" for h in site.requests))
        ((pid,),) = query(labscope, "select pid from crawl_runs where status = 'running'")
        assert isinstance(pid, int) and pid != scheduler.pid and alive(pid)
        child = pid
        scheduler.kill()
        scheduler.wait(timeout=10)
        # 4 s from its start, then the child's grace for the page in hand, and a margin.
        assert wait_until(lambda: not alive(child), 4 + STOP_GRACE + 5), "the child ran on"
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
        if child and alive(child):
            os.kill(child, signal.SIGKILL)
    ((status, errors),) = query(labscope, "select status, errors from crawl_runs")
    assert status == "failed"
    assert "stopped at the time limit (4s); its scheduler was gone" in str(errors)


@contextmanager
def slow_then_quick_webhook() -> Iterator[tuple[str, list[dict[str, object]]]]:
    """A webhook on 127.0.0.1 whose first answer is a 200 trickling a byte every 4 s (each
    wait under the 30 s timeout); later POSTs are answered at once, and their bodies kept."""
    received: list[dict[str, object]] = []
    trickled = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if trickled.is_set():
                received.append(body)
                self.send_response(204)
                self.end_headers()
                return
            trickled.set()
            self.send_response(200)
            self.send_header("Content-Length", "20")
            self.end_headers()
            try:
                for _ in range(20):
                    self.wfile.write(b".")
                    self.wfile.flush()
                    time.sleep(4)
            except OSError:  # the scheduler hung up
                pass

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def test_a_slow_webhook_holds_no_digest_and_sigterm_leaves_it_pending_for_the_next_start(
    site: SiteServer, labscope: Labscope
) -> None:
    with slow_then_quick_webhook() as (hook, received):
        labscope.write_config(
            NO_RECHECK
            + '[digest]\nevery = "2s"\nformats = ["json"]\noutput = "digests"\n\n'
            + f'[[digest.webhooks]]\nurl = "{hook}"\ntimeout = 30\n\n'
            + source("site", "page", site.url(DEEPSEEK))
            + 'every = "1h"\n'
        )
        with scheduler(labscope) as process:
            # The first digest (the new article) is stuck on the trickling webhook; the digest
            # job goes on writing the next ones meanwhile.
            wait_for(lambda: query(labscope, "select count(*) from pending_deliveries") == [(1,)])
            wait_for(lambda: query(labscope, "select count(*) from digests")[0][0] >= 3)
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)  # the promise: `schedule` stops within 20 s
        [(target,)] = query(labscope, "select target from pending_deliveries")
        assert target == f"webhook {hook}"
        assert received == []

        with scheduler(labscope):  # the next start sends what was left
            wait_for(lambda: bool(received))
            wait_for(lambda: query(labscope, "select count(*) from pending_deliveries") == [(0,)])
        [digest] = received
        assert [a["url"] for a in digest["new_articles"]] == [site.url(DEEPSEEK)]  # type: ignore[union-attr]
        deliveries = [row[0] for row in query(labscope, "select deliveries from digests")]
        assert sum('"ok": true' in str(d) for d in deliveries) == 1
