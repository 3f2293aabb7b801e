"""The offline demo: serve the bundled news site on loopback and crawl it with every spider."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crawler.config import Config, parse_config
from crawler.errors import CrawlRunError
from crawler.run import CrawlResult, run_crawl
from crawler.site_server import SiteServer
from storage.db import Database
from storage.runs import RunCounts

DEMO_SITE = Path(__file__).with_name("demo_site")
DEMO_DB_URL = "sqlite:///labscope-demo.db"
# A fixed port keeps article URLs stable, so a second demo run shows "unchanged" pages.
DEMO_PORT = 8642

# One source per discovery strategy, all pointing at the same site, so the demo shows
# de-duplication too: an article found by three spiders is stored once.
DEMO_CONFIG = """
[crawl]
delay = 0
concurrency = 8
timeout = 10

[[sources]]
name = "demo-feed"
kind = "feed"
url = "http://{base}/feed.xml"

[[sources]]
name = "demo-atom"
kind = "feed"
url = "http://{base}/atom.xml"

[[sources]]
name = "demo-json-feed"
kind = "feed"
url = "http://{base}/feed.json"

[[sources]]
name = "demo-news-sitemap"
kind = "sitemap"
url = "http://{base}/news-sitemap.xml"

[[sources]]
name = "demo-sitemap-index"
kind = "sitemap"
url = "http://{base}/sitemap-index.xml"

[[sources]]
name = "demo-listing"
kind = "listing"
url = "http://{base}/news/index.html"
follow = '/(news|private)/20\\d\\d/[\\w-]+(\\.gbk)?\\.html'

[[sources]]
name = "demo-page"
kind = "page"
url = "http://{base}/news/2025/deepseek-emerges.html"
"""


def demo_config(base: str) -> Config:
    """The demo's sources for a site served at `base` (host:port)."""
    return parse_config(DEMO_CONFIG.format(base=base))


def run_demo(
    db: Database,
    port: int = DEMO_PORT,
    on_progress: Callable[[RunCounts], None] | None = None,
    on_serving: Callable[[str], None] | None = None,
) -> CrawlResult:
    """Serve the demo site on 127.0.0.1:`port` (0: any free port) and crawl it into `db`."""
    try:
        server = SiteServer(DEMO_SITE, port).start()
    except OSError as exc:
        raise CrawlRunError(
            f"cannot serve the demo site on 127.0.0.1:{port} ({exc.strerror}); "
            "choose another --port, or leave it out to take a free one"
        ) from exc
    try:
        if on_serving:
            on_serving(server.url("/"))
        return run_crawl(demo_config(server.base), db, trigger="demo", on_progress=on_progress)
    finally:
        server.stop()
