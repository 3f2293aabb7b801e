"""The offline demo: serve the bundled news site on loopback and crawl it with every spider.

It crawls twice, as a monitor would: between the two crawls the site edits one article (a new
model named in it) and corrects another, so the archive holds what labscope is for, an edit, a
correction and a new entity to review. The second phase is a list of replacements in the
first phase's files, not a second copy of them, so the two cannot drift apart. An archive that
already holds a demo crawl is only crawled in the second phase: a second `labscope demo` stores
nothing new.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.config import Config, parse_config
from crawler.errors import CrawlRunError
from crawler.run import CrawlResult, run_crawl
from crawler.site_server import SiteServer
from storage.db import Database, open_database
from storage.filters import Filters
from storage.models import CrawlRun, Version
from storage.queries import list_articles
from storage.runs import RunCounts

DEMO_SITE = Path(__file__).with_name("demo_site")
DEMO_DB_URL = "sqlite:///labscope-demo.db"
# A fixed port keeps article URLs stable, so a second demo run shows "unchanged" pages.
DEMO_PORT = 8642
# Spawned, not forked, as crawler.workers explains: the demo's process runs threads (the site).
_SPAWN = multiprocessing.get_context("spawn")

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


# What the site changes between the two crawls: (page, text in the first phase, text after).
DEMO_EDITS = (
    (  # a substantive edit that names a new model
        "/news/2025/qwen-25-max-launch.html",
        "Alibaba said more updates would follow in the coming months.",
        "Alibaba said on Thursday that Qwen3-Coder, a model for writing software, would follow "
        "in the coming months.",
    ),
    (  # a correction: the figure changes and a notice says so
        "/news/2025/moonshot-kimi-k15.html",
        "was valued at more than $3 billion last year, according to people familiar",
        "was valued at $3.3 billion last year, according to people familiar",
    ),
    (
        "/news/2025/moonshot-kimi-k15.html",
        "to publish further details of its training methods.</p>",
        "to publish further details of its training methods.</p>\n          <p>Correction: An "
        "earlier version of this article said Moonshot AI was valued at more than $3 billion; "
        "the valuation was $3.3 billion.</p>",
    ),
)


@dataclass(frozen=True)
class DemoResult:
    """The demo's crawls: the first phase (None when the archive already held it) and the
    second, after the site changed."""

    first: CrawlResult | None
    second: CrawlResult


@dataclass(frozen=True)
class DemoEdit:
    """An edited article of the demo archive, for the closing lines that point at it."""

    article_id: int
    title: str
    kind: str  # the latest version's change_kind: substantive, correction, ...


def changed_site(server: SiteServer) -> None:
    """Serve the second phase: each DEMO_EDITS replacement applied to the first phase's page."""
    pages: dict[str, str] = {}
    for path, old, new in DEMO_EDITS:
        html = pages.get(path) or (server.root / path.lstrip("/")).read_text(encoding="utf-8")
        if old not in html:
            raise CrawlRunError(
                f"demo edit of {path}: {old!r} is not in the page; update DEMO_EDITS"
            )
        pages[path] = html.replace(old, new, 1)
    for path, html in pages.items():
        server.set_page(path, html.encode("utf-8"))


def run_demo(
    db: Database,
    port: int = DEMO_PORT,
    on_progress: Callable[[RunCounts], None] | None = None,
    on_serving: Callable[[str], None] | None = None,
) -> DemoResult:
    """Serve the demo site on 127.0.0.1:`port` (0: any free port) and crawl it into `db`: the
    first phase (unless `db` holds a demo crawl already), then the site as it changed."""
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
        first = None
        if not _crawled_before(db):
            with ProcessPoolExecutor(1, mp_context=_SPAWN) as child:
                first = child.submit(_crawl, server.base, db.url).result()
        changed_site(server)
        config = demo_config(server.base)
        second = run_crawl(config, db, trigger="demo", on_progress=on_progress)
        return DemoResult(first, second)
    finally:
        server.stop()


def _crawl(base: str, db_url: str) -> CrawlResult:
    """The first phase's crawl, in a process of its own: Twisted's reactor runs once per
    process, and the second phase's crawl runs in the demo's."""
    db = open_database(db_url)
    try:
        return run_crawl(demo_config(base), db, trigger="demo")
    finally:
        db.close()


def demo_edits(db: Database) -> list[DemoEdit]:
    """The archive's edited articles, with the kind of their latest change."""
    with db.reading() as session:
        rows = list_articles(session, filters=Filters(edited=True))
        edits = [DemoEdit(row.id, row.title, _latest_kind(session, row.id)) for row in rows]
    return sorted(edits, key=lambda edit: edit.article_id)


def _latest_kind(session: Session, article_id: int) -> str:
    kind = session.scalar(
        select(Version.change_kind)
        .where(Version.article_id == article_id)
        .order_by(Version.number.desc())
        .limit(1)
    )
    return str(kind)


def _crawled_before(db: Database) -> bool:
    """Whether a demo crawl finished in `db` already (its first phase is then in the archive)."""
    with db.reading() as session:
        query = select(CrawlRun.id).where(CrawlRun.trigger == "demo", CrawlRun.status == "finished")
        return session.scalar(query.limit(1)) is not None
