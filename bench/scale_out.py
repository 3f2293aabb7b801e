"""Pages a second with 1, 2 and 4 `labscope worker` processes on one Redis frontier.

A loopback site serves `--pages` distinct stories, each answered after `--page-delay` seconds
(a slow site, so workers overlap on waiting, as crawlers of real sites do); `labscope crawl`
enqueues them into a throwaway redis-server, then N workers fetch, extract and store them into
a fresh SQLite archive. The figure is the stories stored over the time from the site's first
story request to the last version committed, so process start-up is left out. Each worker
runs `--concurrency` requests at once and extracts in its own process ([crawl] workers = 0),
so the worker processes are what is scaled. The worker counts are interleaved in each of
`--trials` rounds (the same load for each), and the median of the rounds is reported, with
its ratio to one worker. `--pg` then runs bench.pg_versions for the versions a second
PostgreSQL sustains.

    python -m bench.scale_out
    python -m bench.scale_out --workers 1 2 4 --pages 60 --page-delay 0.5 --pg
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from crawler.demo import DEMO_SITE

TEMPLATE = "/news/2025/deepseek-emerges.html"
TITLE = "How China’s DeepSeek Emerged as a Major Player in the AI Landscape"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def redis_server() -> Iterator[str]:
    """A redis-server on a free loopback port, nothing saved; its URL."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        server = subprocess.Popen(
            [*command, "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            server.terminate()
            server.wait(10)


class Hosts:
    """`count` loopback hosts (127.0.0.1, 127.0.0.2, ...: each its own politeness slot), one
    HTTP server each, serving `pages` stories between them, each story after `delay` seconds;
    the first host also serves the listing that links them all."""

    def __init__(self, count: int, pages: int, delay: float) -> None:
        html = (DEMO_SITE / TEMPLATE.lstrip("/")).read_text(encoding="utf-8")
        self.first_story: float | None = None
        self.servers: list[ThreadingHTTPServer] = []
        stories: dict[tuple[int, str], bytes] = {}
        self.addresses: list[tuple[str, int]] = []
        for k in range(count):
            host = f"127.0.0.{k + 1}"
            server = ThreadingHTTPServer((host, 0), self._handler(stories, delay, k))
            server.daemon_threads = True
            self.servers.append(server)
            self.addresses.append((host, int(server.server_address[1])))
        self.story_urls = []
        for i in range(pages):
            k = i % count
            path = f"/many/story-{i}.html"
            page = html.replace(TITLE, f"Story {i}: how a lab numbered {i} grew").replace(
                "<p>", f"<p>Reporting for story {i} began on day {i + 1} of the month. ", 1
            )
            stories[(k, path)] = page.replace(TEMPLATE, path).encode("utf-8")
            self.story_urls.append(self.url(k, path))
        links = "".join(f'<li><a href="{url}">Story</a></li>' for url in self.story_urls)
        stories[(0, "/many/index.html")] = f"<html><body><ul>{links}</ul></body></html>".encode()
        for server in self.servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def url(self, k: int, path: str) -> str:
        host, port = self.addresses[k]
        return f"http://{host}:{port}{path}"

    def _handler(self, stories: dict[tuple[int, str], bytes], delay: float, k: int) -> type:
        hosts = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = stories.get((k, self.path))
                if body is None:
                    self.send_error(404)
                    return
                if self.path.startswith("/many/story-"):
                    if hosts.first_story is None:
                        hosts.first_story = time.monotonic()
                    time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def _labscope(config: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "--config", str(config), *args],
        cwd=config.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=0.1) as connection:
            return int(connection.execute("SELECT count(*) FROM versions").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet, or locked by a writer this instant
        return 0


def pages_per_second(
    folder: Path,
    frontier: str,
    workers: int,
    hosts: int,
    pages: int,
    delay: float,
    concurrency: int,
) -> float:
    """One trial: fresh hosts and archive, a crawl that enqueues, `workers` workers."""
    site = Hosts(hosts, pages, delay)
    try:
        listing = site.url(0, "/many/index.html")
        folder.mkdir()
        config = folder / "config.toml"
        config.write_text(
            '[storage]\nurl = "sqlite:///labscope.db"\n\n[crawl]\ndelay = 0\ntimeout = 30\n'
            f"concurrency = {concurrency}\nworkers = 0\nallow_private = true\n"
            f'frontier = "{frontier}"\n\n'
            f'[[sources]]\nname = "many"\nkind = "listing"\nurl = "{listing}"\n'
            "follow = '/many/story-\\d+\\.html'\n",
            encoding="utf-8",
        )
        crawl = _labscope(config, "crawl")
        _, err = crawl.communicate(timeout=300)
        if crawl.returncode != 0:
            raise SystemExit(f"labscope crawl failed: {err.decode(errors='replace')}")
        running = [_labscope(config, "worker", "--idle-exit", "1") for _ in range(workers)]
        db = folder / "labscope.db"
        while _stored(db) < pages:
            if all(process.poll() is not None for process in running):
                raise SystemExit(f"the workers stopped with {_stored(db)} of {pages} stored")
            time.sleep(0.05)
        done = time.monotonic()
        assert site.first_story is not None
        first = site.first_story
        for process in running:
            process.terminate()
            process.communicate(timeout=60)
        return pages / (done - first)
    finally:
        site.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale_out", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--pages", type=int, default=64)
    parser.add_argument("--hosts", type=int, default=8, help="loopback hosts serving them")
    parser.add_argument("--page-delay", type=float, default=0.5, help="seconds per page")
    parser.add_argument("--concurrency", type=int, default=2, help="requests per worker")
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--pg", action="store_true", help="also run bench.pg_versions")
    args = parser.parse_args()
    rates: dict[int, list[float]] = {n: [] for n in args.workers}
    with redis_server() as frontier, tempfile.TemporaryDirectory() as folder:
        for trial in range(args.trials):
            for n in args.workers:
                where = Path(folder) / f"trial-{trial}-workers-{n}"
                rate = pages_per_second(
                    where, frontier, n, args.hosts, args.pages, args.page_delay, args.concurrency
                )
                rates[n].append(rate)
                print(f"trial {trial + 1}: {n} worker(s) {rate:6.2f} pages/s", flush=True)
    base = statistics.median(rates[args.workers[0]])
    print(
        f"\n{args.pages} pages on {args.hosts} hosts, {args.page_delay} s each, "
        f"{args.concurrency} requests at once per worker"
    )
    print(f"| workers | pages/s (median of {args.trials}) | ratio to {args.workers[0]} |")
    print("|---|---|---|")
    for n in args.workers:
        median = statistics.median(rates[n])
        print(f"| {n} | {median:.2f} | {median / base:.2f}x |")
    if args.pg:
        subprocess.run(
            [sys.executable, "-m", "bench.pg_versions", "--writers", "1", "2"], check=True
        )


if __name__ == "__main__":
    main()
