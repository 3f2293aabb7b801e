"""What render = "browser" costs per page, against a plain fetch of the same pages.

The demo site (crawler/demo_site, on 127.0.0.1; its pages load nothing from other hosts) gets
`--pages` distinct copies of one article and a listing linking them. Each mode crawls the
listing through the real CLI into a fresh database, once with 1 article and once with all of
them, `--runs` times; the medians give the fixed cost of a crawl (the 1-article run: process,
Scrapy, and for the browser chromium's start) and the cost per further page ((all - 1) / (n -
1)). Run it on a quiet machine: `python -m bench.render_cost --pages 20 --runs 5`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.paths import ROOT
from crawler.demo import DEMO_SITE
from crawler.site_server import SiteServer

TEMPLATE = "/news/2025/deepseek-emerges.html"
TITLE = "How China’s DeepSeek Emerged as a Major Player in the AI Landscape"


def stories(site: SiteServer, count: int) -> None:
    """Stories 0..count-1 at /many/story-i.html, each with its own title and first sentence."""
    page = (DEMO_SITE / TEMPLATE.lstrip("/")).read_bytes().decode("utf-8")
    for i in range(count):
        path = f"/many/story-{i}.html"
        body = page.replace(TITLE, f"Story {i}: how a lab numbered {i} grew")
        body = body.replace("<p>", f"<p>Reporting for story {i} began on day {i + 1}. ", 1)
        site.set_page(path, body.replace(TEMPLATE, path).encode("utf-8"))


def listing(site: SiteServer, count: int) -> str:
    links = "".join(f'<a href="/many/story-{i}.html">Story {i}</a> ' for i in range(count))
    path = f"/many/index-{count}.html"
    site.set_page(path, f"<html><body>{links}</body></html>".encode())
    return site.url(path)


def crawl(site: SiteServer, count: int, render: str, folder: Path) -> float:
    """Seconds of wall time for one crawl of `count` articles into a fresh database."""
    db = folder / f"{render}-{count}-{time.monotonic_ns()}.db"
    config = folder / "config.toml"
    config.write_text(
        f'[storage]\nurl = "sqlite:///{db}"\n\n[crawl]\ndelay = 0\ntimeout = 30\n\n'
        f'[[sources]]\nname = "bench"\nkind = "listing"\nurl = "{listing(site, count)}"\n'
        f"follow = '/many/story-'\nrender = \"{render}\"\n",
        encoding="utf-8",
    )
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "cli", "--config", str(config), "crawl", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if run.returncode != 0 or f'"new_versions": {count}' not in run.stdout:
        raise SystemExit(f"{render} crawl of {count} pages failed: {run.stdout}{run.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.render_cost", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    site = SiteServer(DEMO_SITE).start()
    stories(site, args.pages)
    timings: dict[tuple[str, int], list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.runs):  # modes interleaved, so machine load hits both alike
            for render in ("plain", "browser"):
                for count in (1, args.pages):
                    seconds = crawl(site, count, render, Path(folder))
                    timings.setdefault((render, count), []).append(seconds)
    site.stop()
    print(f"{args.pages} pages, median of {args.runs} runs (wall seconds)")
    print(f"{'render':8} {'1 page':>8} {f'{args.pages} pages':>10} {'per page':>9}")
    for render in ("plain", "browser"):
        one = statistics.median(timings[render, 1])
        all_ = statistics.median(timings[render, args.pages])
        per_page = (all_ - one) / (args.pages - 1)
        print(f"{render:8} {one:8.2f} {all_:10.2f} {per_page:9.3f}")


if __name__ == "__main__":
    main()
