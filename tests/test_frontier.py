"""The shared frontier ([crawl] frontier, `labscope worker`) against a real redis-server on
loopback and the fixture site: crawls enqueue, workers store, a killed worker loses nothing."""

from __future__ import annotations

import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from conftest import Labscope, add_story, list_stories, many_articles, source

from crawler.demo import changed_site
from crawler.frontier.queue import PendingFilter
from crawler.frontier.store import Steps, source_keys
from crawler.site_server import SiteServer

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
STORIES = r"/many/story-\d+\.html"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server on a free loopback port, nothing saved to disk."""
    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def frontier(redis_server: str) -> redis.Redis:
    """The server, emptied for this test."""
    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    return client


def crawl_settings(url: str, extra: str = "") -> str:
    return f'delay = 0\ntimeout = 10\nallow_private = true\nfrontier = "{url}"\n{extra}'


def start_worker(labscope: Labscope, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "--config", str(labscope.config), "worker", *args],
        cwd=labscope.config.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def versions_per_url(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT a.url, count(v.id) FROM articles a JOIN versions v ON v.article_id = a.id "
            "GROUP BY a.url"
        ).fetchall()
    return dict(rows)


def stored_pages(db: Path) -> int:
    """Versions in the archive so far (0 while the workers are still creating it)."""
    try:
        return sum(versions_per_url(db).values())
    except sqlite3.OperationalError:  # no tables yet, or a writer holds the lock
        return 0


def test_a_bad_frontier_is_one_line_and_a_worker_needs_one(
    site: SiteServer, labscope: Labscope
) -> None:
    sources = source("many", "listing", many_articles(site, 2), STORIES)
    labscope.write_config(sources, 'delay = 0\nfrontier = "http://127.0.0.1:6379/0"')
    bad = labscope("crawl")
    assert (bad.code, bad.stderr.count("\n")) == (2, 1), bad.stderr
    assert "frontier must start with redis://" in bad.stderr
    assert 'write frontier = "redis://127.0.0.1:6379/0"' in bad.stderr

    labscope.write_config(sources, crawl_settings(f"redis://127.0.0.1:{_free_port()}/0"))
    for command in ("crawl", "worker"):
        down = labscope(command)
        assert (down.code, down.stderr.count("\n")) == (2, 1), down.stderr
        assert "Redis does not answer" in down.stderr and "start it, or fix the URL" in down.stderr
    assert not site.requests  # nothing was discovered for a frontier that is not there

    labscope.write_config(sources)
    none = labscope("worker")
    assert (none.code, none.stderr.count("\n")) == (2, 1), none.stderr
    assert "[crawl] frontier is not set" in none.stderr


def test_two_workers_store_every_article_once_though_one_is_killed(
    site: SiteServer, labscope: Labscope, frontier: redis.Redis, tmp_path: Path
) -> None:
    count = 16
    listing = many_articles(site, count)
    for i in range(count):  # slow pages: the killed worker is in the middle of some
        path = f"/many/story-{i}.html"
        site.set_page(path, site.overrides[path].body, delay=0.5)
    url = frontier.connection_pool.connection_kwargs
    redis_url = f"redis://{url['host']}:{url['port']}/0"
    sources = source("many", "listing", listing, STORIES)
    labscope.write_config(sources, crawl_settings(redis_url, "concurrency = 2"))

    crawl = labscope("crawl", "--json")
    assert crawl.code == 0, crawl.stderr
    summary = crawl.json()
    assert summary["by_source"]["many"]["enqueued"] == count
    assert summary["fetched"] == 0
    assert not [hit for hit in site.requests if hit.path.startswith("/many/story-")]
    assert frontier.zcard(source_keys("many").requests) == count

    doomed = start_worker(labscope, "--lease", "3")
    survivor = start_worker(labscope, "--lease", "3", "--idle-exit", "2", "--json")
    leases = source_keys("many").leases
    for _ in range(600):  # until both workers fetch and the first page is stored
        if stored_pages(labscope.db):
            break
        time.sleep(0.1)
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=10)
    assert frontier.zcard(leases) > 0  # the killed worker held pages it never stored

    _, err = survivor.communicate(timeout=90)
    assert survivor.returncode == 0, err
    stored = versions_per_url(labscope.db)
    assert stored == {site.url(f"/many/story-{i}.html"): 1 for i in range(count)}  # once each
    assert frontier.zcard(leases) == 0 and frontier.zcard(source_keys("many").requests) == 0
    assert frontier.scard(source_keys("many").dupefilter) == 0  # a recheck may queue them again

    single = Labscope(tmp_path / "single" / "config.toml", tmp_path / "single" / "labscope.db")
    single.config.parent.mkdir()
    single.write_config(sources, "delay = 0\ntimeout = 10\nallow_private = true")
    assert single("crawl").code == 0
    assert versions_per_url(single.db) == stored

    runs = labscope("runs", "--json").json()
    workers = [run for run in runs if run["trigger"] == "worker"]
    assert len(workers) == 2 and all(run["worker"] for run in workers)
    health = {row["name"]: row["health"] for row in labscope("sources", "--json").json()}
    assert health == {"many": "ok"}  # a worker's run discovers nothing, and is no empty crawl


def test_workers_store_phases_searchable_on_postgresql(
    site: SiteServer, frontier: redis.Redis, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from conftest import archive_url

    pg_url = archive_url(request, "postgresql", "frontier")
    assert pg_url is not None
    labscope = Labscope(tmp_path / "config.toml", tmp_path / "labscope.db", pg_url)
    url = frontier.connection_pool.connection_kwargs
    redis_url = f"redis://{url['host']}:{url['port']}/0"
    sources = source("rss", "feed", site.url("/feed.xml")) + source(
        "listing",
        "listing",
        site.url("/news/index.html"),
        r"/(news|private)/20\d\d/[\w-]+(\.gbk)?\.html",
    )
    labscope.write_config(sources, crawl_settings(redis_url))

    def phase() -> dict[str, int]:
        crawl = labscope("crawl", "--json")
        assert crawl.code == 0, crawl.stderr
        workers = [start_worker(labscope, "--idle-exit", "1", "--json") for _ in range(2)]
        for worker in workers:
            _, err = worker.communicate(timeout=90)
            assert worker.returncode == 0, err
        articles = labscope("articles", "--json").json()
        return {a["url"].rsplit("/", 1)[-1]: a["versions"] for a in articles}

    first = phase()
    assert len(first) == 6 and set(first.values()) == {1}

    def found(query: str) -> list[str]:
        result = labscope("search", query, "--json")
        assert result.code == 0, result.stderr
        return [hit["url"].rsplit("/", 1)[-1] for hit in result.json()]

    assert found('"venture capital"') == ["deepseek-emerges.html"]
    assert found("月之暗面") == ["baidu-ernie.gbk.html"]

    changed_site(site)
    second = phase()
    edited = {name for name, versions in second.items() if versions == 2}
    assert edited == {"qwen-25-max-launch.html", "moonshot-kimi-k15.html"}
    digest = labscope("digest", "--format", "json")
    assert digest.code == 0, digest.stderr
    names = {edit["url"].rsplit("/", 1)[-1] for edit in digest.json()["edited_articles"]}
    assert names == edited


def test_a_lease_that_runs_out_comes_back_and_a_host_is_spaced_across_clients(
    frontier: redis.Redis, redis_server: str
) -> None:
    keys = source_keys("s")
    frontier.zadd(keys.requests, {b"page-1": 0})
    worker_a, worker_b = Steps(redis.Redis.from_url(redis_server)), Steps(frontier)
    assert worker_a.pop(keys, lease_ms=1) == b"page-1"
    assert frontier.zcard(keys.leases) == 1 and frontier.zcard(keys.requests) == 0
    time.sleep(0.05)  # worker A dies: its 1 ms lease runs out
    assert worker_b.pop(keys, lease_ms=60_000) == b"page-1"  # B takes the page over
    worker_b.renew(keys, 60_000, [b"page-1"])
    assert worker_a.pop(keys, lease_ms=60_000) is None  # a live lease stays with B

    assert worker_a.reserve("news.example", 60_000) == 0  # A may ask the host now
    wait = worker_b.reserve("news.example", 60_000)  # B must wait A's delay out
    assert 0 < wait <= 60_000

    for member in (b"story-on-host-b", b"story-on-host-a"):  # a listing's order, not bytes'
        worker_a.push(keys, 0, member)
    popped = [worker_a.pop(keys, lease_ms=60_000) for _ in range(2)]
    assert popped == [b"story-on-host-b", b"story-on-host-a"]

    pending = PendingFilter(frontier, keys.dupefilter)
    import scrapy

    page = scrapy.Request("https://news.example/a")
    assert not pending.request_seen(page)
    assert pending.request_seen(page)  # queued once while pending
    pending.release(page.url)
    assert not pending.request_seen(page)  # stored: its next recheck may queue it again


def test_stories_added_later_are_enqueued_by_the_next_crawl(
    site: SiteServer, labscope: Labscope, frontier: redis.Redis
) -> None:
    url = frontier.connection_pool.connection_kwargs
    redis_url = f"redis://{url['host']}:{url['port']}/0"
    labscope.write_config(
        source("many", "listing", many_articles(site, 2), STORIES), crawl_settings(redis_url)
    )
    assert labscope("crawl", "--json").json()["by_source"]["many"]["enqueued"] == 2
    again = labscope("crawl", "--json").json()["by_source"]["many"]  # not yet fetched
    assert again.get("enqueued", 0) == 0 and again["already_queued"] == 2
    add_story(site, 2)
    list_stories(site, range(3))
    shown = labscope("crawl")
    assert "Enqueued 1 article requests for the workers ([crawl] frontier)" in shown.stdout
