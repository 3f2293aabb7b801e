"""render = "browser": sources only a browser can read, crawled through Debian's chromium.

The site here is labscope's own test app (tests/fixtures/js_app, written for these tests, not a
recorded page): an empty HTML shell whose script fetches JSON from the same server and builds
the list of posts, or one post with an ad slot beside it, the way JavaScript news sites do.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, Labscope, source

from crawler.config import BrowserConfig
from crawler.site_server import SiteServer

CHROMIUM = Path(BrowserConfig().executable)
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"needs Debian's chromium at {CHROMIUM} (.ci/run installs it)"
)
APP = FIXTURES / "js_app"
POSTS = {post["id"]: post for post in map(json.loads, map(Path.read_text, APP.glob("api/post-*")))}
FOLLOW = r"post\.html\?id="


@pytest.fixture
def app() -> Iterator[SiteServer]:
    server = SiteServer(APP).start()
    yield server
    server.stop()


def app_source(app: SiteServer, render: str | None = "browser") -> str:
    text = source("seed", "listing", app.url("/index.html"), FOLLOW)
    return text.rstrip("\n") + f'\nrender = "{render}"\n\n' if render else text


@needs_chromium
def test_a_javascript_app_is_stored_as_the_browser_shows_it(
    app: SiteServer, labscope: Labscope
) -> None:
    labscope.write_config(app_source(app))
    run = labscope("crawl", "--json")
    assert run.code == 0, run.stderr
    summary = run.json()
    assert (summary["new_articles"], summary["new_versions"], summary["failed"]) == (2, 2, 0)
    for number, post in POSTS.items():
        shown = labscope("show", app.url(f"/post.html?id={number}"), "--json").json()
        assert shown["title"] == post["title"]
        assert shown["published"].startswith(post["date"])
        for paragraph in post["paragraphs"]:
            assert paragraph in shown["text"]
        assert post["ad"] not in shown["text"]
        assert "enable JavaScript" not in shown["text"]


@needs_chromium
def test_rendering_unchanged_pages_again_stores_no_version(
    app: SiteServer, labscope: Labscope
) -> None:
    labscope.write_config(app_source(app))
    assert labscope("crawl").code == 0
    # Every post is rendered again (the shell's validators say nothing of what its script
    # fetches), to the same DOM: no version.
    second = labscope("crawl", "--json").json()
    assert (second["fetched"], second["unchanged"], second["new_versions"]) == (2, 2, 0)
    posts = [hit for hit in app.requests if hit.path.startswith("/post.html")]
    assert len(posts) == 4
    assert not [hit for hit in posts if "if-none-match" in hit.headers]
    assert len([hit for hit in app.requests if hit.path.startswith("/api/post-")]) == 4
    # A post edited behind the same shell is a new version.
    post = json.loads((APP / "api/post-1.json").read_text())
    post["paragraphs"].append("The team added a larger model to the family on 30 May.")
    app.set_page("/api/post-1.json", json.dumps(post).encode(), "application/json")
    third = labscope("crawl", "--json").json()
    assert (third["unchanged"], third["new_versions"], third["failed"]) == (1, 1, 0)
    shown = labscope("show", app.url("/post.html?id=1"), "--json").json()
    assert "a larger model to the family on 30 May" in shown["text"]
    assert len(shown["versions"]) == 2


def test_without_render_the_app_yields_nothing_and_says_so(
    app: SiteServer, labscope: Labscope
) -> None:
    labscope.write_config(app_source(app, render=None))
    run = labscope("crawl", "--json")
    assert run.code == 0, run.stderr
    summary = run.json()
    assert (summary["new_articles"], summary["failed"]) == (0, 1)
    (error,) = summary["errors"]
    assert error["url"] == app.url("/index.html")
    assert error["reason"] == (
        'no link matches follow: check the pattern, or set render = "browser" if the '
        "page's links are built by JavaScript"
    )
    assert not [hit for hit in app.requests if hit.path.startswith(("/api/", "/post.html"))]


@needs_chromium
def test_a_page_that_never_finishes_loading_is_cut_off_at_the_timeout(
    app: SiteServer, labscope: Labscope
) -> None:
    hang = source("live", "page", app.url("/hang.html")).rstrip("\n") + '\nrender = "browser"\n\n'
    labscope.write_config(hang + app_source(app), crawl="delay = 0\ntimeout = 3")
    started = time.monotonic()
    run = labscope("crawl", "--json")
    assert run.code == 0, run.stderr
    summary = run.json()
    assert (summary["new_articles"], summary["failed"]) == (2, 1)  # the app is not blocked
    (error,) = summary["errors"]
    assert error["url"] == app.url("/hang.html")
    assert "did not finish loading in the browser within the timeout (3 s)" in error["reason"]
    opened = next(hit.at for hit in app.requests if hit.path == "/hang.html")
    polls = [hit.at for hit in app.requests if hit.path.startswith("/api/ping.json")]
    assert len(polls) > 5  # the page really kept the network busy
    assert max(polls) - opened < 3 + 1.0  # ... and was closed at the timeout
    assert time.monotonic() - started < 60


def test_a_missing_browser_is_one_line_naming_the_path_and_the_fix(
    app: SiteServer, labscope: Labscope
) -> None:
    missing = labscope.config.parent / "no-chromium"
    labscope.write_config(f'[browser]\nexecutable = "{missing}"\n\n' + app_source(app))
    run = labscope("crawl")
    assert run.code == 2
    assert run.stderr.splitlines() == [
        f'labscope: error: render = "browser" needs Chromium, but {missing} is not an '
        "executable file; install it (apt-get install chromium) or set [browser] executable"
    ]
    assert app.requests == []


def test_without_chromium_the_other_sources_are_still_crawled(
    app: SiteServer, labscope: Labscope, site: SiteServer
) -> None:
    """The default config mixes rendered and plain sources: a missing chromium fails the rendered
    ones with the reason, in the run and in `sources`, and the plain ones are crawled."""
    missing = labscope.config.parent / "no-chromium"
    plain = source("plain", "feed", site.url("/feed.xml"))
    labscope.write_config(f'[browser]\nexecutable = "{missing}"\n\n' + app_source(app) + plain)
    run = labscope("crawl", "--json")
    assert run.code == 0, run.stderr
    summary = run.json()
    assert summary["new_articles"] > 0
    reasons = [
        error["reason"] for error in summary["errors"] if error["url"] == app.url("/index.html")
    ]
    assert reasons == [
        f'render = "browser" needs Chromium, but {missing} is not an executable file; '
        "install it (apt-get install chromium) or set [browser] executable"
    ]
    assert app.requests == []


@needs_chromium
def test_robots_txt_keeps_the_browser_off_disallowed_pages(
    app: SiteServer, labscope: Labscope
) -> None:
    app.set_page("/robots.txt", b"User-agent: *\nDisallow: /post.html?id=2\n", "text/plain")
    labscope.write_config(app_source(app))
    summary = labscope("crawl", "--json").json()
    assert (summary["new_articles"], summary["skipped"], summary["failed"]) == (1, 1, 0)
    paths = [hit.path for hit in app.requests]
    assert paths[0] == "/robots.txt"
    assert "/post.html?id=2" not in paths and "/api/post-2.json" not in paths
    assert "/api/post-1.json" in paths


def _descendants(pid: int) -> list[int]:
    """The processes under `pid` (read from /proc: the crawl's chromium is one of them)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        todo += children
    return found


def _browser(pid: int) -> int | None:
    """The crawl's chromium (its main process, not a renderer or other helper)."""
    for child in _descendants(pid):
        try:
            args = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--no-sandbox" in args and not any(arg.startswith(b"--type=") for arg in args):
            return child
    return None


@needs_chromium
def test_a_browser_that_dies_is_started_again(app: SiteServer, labscope: Labscope) -> None:
    post = (APP / "api/post-1.json").read_bytes()
    app.set_page("/api/post-1.json", post, "application/json", delay=4)
    labscope.write_config(
        "[browser]\npages = 1\n\n" + app_source(app), crawl="delay = 0\ntimeout = 20"
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    command = [sys.executable, "-m", "cli", "--config", str(labscope.config), "crawl", "--json"]
    with subprocess.Popen(
        command, cwd=labscope.config.parent, env=env, stdout=subprocess.PIPE, text=True
    ) as crawl:
        deadline = time.monotonic() + 60
        while not any(hit.path == "/api/post-1.json" for hit in app.requests):
            assert time.monotonic() < deadline, "post 1 was never rendered"
            time.sleep(0.05)
        browser = _browser(crawl.pid)
        assert browser is not None
        os.kill(browser, signal.SIGKILL)  # mid-render of post 1
        out, _ = crawl.communicate(timeout=90)
    summary = json.loads(out)
    assert crawl.returncode == 0
    # The page in flight is rendered again in a new browser (scrapy-playwright retries a page
    # whose browser closed), and the rest of the crawl goes on: nothing is lost.
    assert (summary["new_articles"], summary["failed"]) == (2, 0)
    assert [hit.path for hit in app.requests].count("/api/post-1.json") == 2
    for number, post in POSTS.items():
        shown = labscope("show", app.url(f"/post.html?id={number}"), "--json").json()
        assert shown["title"] == post["title"]


@needs_chromium
def test_verbose_logs_a_failed_render_in_one_line_without_a_traceback(
    app: SiteServer, labscope: Labscope
) -> None:
    hang = source("live", "page", app.url("/hang.html")).rstrip("\n") + '\nrender = "browser"\n\n'
    labscope.write_config(hang, crawl="delay = 0\ntimeout = 2")
    run = labscope("-v", "crawl")
    assert run.code == 0
    assert "Traceback" not in run.stderr and "Call log" not in run.stderr
    closing = [line for line in run.stderr.splitlines() if "Closing page due to failed" in line]
    assert len(closing) == 1 and "Timeout 2000ms exceeded" in closing[0]
    assert "did not finish loading in the browser within the timeout (2 s)" in run.stdout


@needs_chromium
def test_a_page_scripts_requests_obey_robots_txt(app: SiteServer, labscope: Labscope) -> None:
    """The app's list comes from /api/posts.json, which robots.txt disallows: the browser
    aborts the script's fetch, so the listing shows no link, and the server never sees it."""
    app.set_page("/robots.txt", b"User-agent: *\nDisallow: /api/\n", "text/plain")
    labscope.write_config(app_source(app))
    summary = labscope("crawl", "--json").json()
    assert summary["new_articles"] == 0 and summary["failed"] == 1
    assert "no link matches follow" in summary["errors"][0]["reason"]
    assert [hit.path for hit in app.requests if hit.path.startswith("/api/")] == []
    assert "/index.html" in [hit.path for hit in app.requests]


@needs_chromium
def test_a_rendered_page_loads_no_images_media_or_fonts(
    app: SiteServer, labscope: Labscope
) -> None:
    page = (
        (APP / "post.html")
        .read_text(encoding="utf-8")
        .replace(
            "</body>",
            '<img src="/heavy/pic.png"><video src="/heavy/clip.mp4" autoplay></video>'
            "<style>@font-face{font-family:F;src:url(/heavy/f.woff2)} body{font-family:F}</style>"
            '<link rel="stylesheet" href="/light/style.css"></body>',
        )
    )
    app.set_page("/heavy.html", page.encode())
    app.set_page("/light/style.css", b"h1 { color: black }", "text/css")
    labscope.write_config("")
    run = labscope("try", app.url("/heavy.html?id=1"), "--kind", "page", "--render", "browser")
    assert run.code == 0, run.stderr
    assert POSTS[1]["title"] in run.stdout
    paths = [hit.path for hit in app.requests]
    assert "/light/style.css" in paths  # the page's own requests are made...
    assert not [path for path in paths if path.startswith("/heavy/")]  # ...but not the heavy ones


@needs_chromium
def test_browser_pages_caps_the_pages_rendered_at_once_across_sources(
    app: SiteServer, labscope: Labscope
) -> None:
    """Two rendered sources and pages = 1: the server never answers two pages at once (each
    page answers after 1 s, so two renders at once would overlap there)."""
    for path in ("/index.html", "/post.html"):
        app.set_page(path, (APP / path.lstrip("/")).read_bytes(), delay=1.0)
    app.peak_ignores = ("/api/", "/robots.txt", "/app.js")
    second = app_source(app).replace('name = "seed"', 'name = "seed-again"')
    second = second.replace("/index.html", "/index.html?again")
    labscope.write_config(
        app_source(app) + second, crawl="delay = 0\ntimeout = 20\n\n[browser]\npages = 1"
    )
    summary = labscope("crawl", "--json").json()
    assert (summary["new_articles"], summary["failed"]) == (2, 0)
    pages = [hit.path for hit in app.requests if not hit.path.startswith(app.peak_ignores)]
    assert len(pages) == 4  # both listings, and each post once
    assert app.peak_in_flight == 1
