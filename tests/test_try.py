"""`labscope try URL`: a source's yield, from a real crawl of the loopback sites, storing nothing.

Each test checks what was printed (the links with their titles and dates, the first article as
extracted, the [[sources]] lines) and that the configured database was left as it was.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Labscope, Result, list_stories, many_articles
from test_browser import APP, FOLLOW, POSTS, needs_chromium
from test_cli import one_line_error

from crawler.config import parse_config
from crawler.feeds import parse_feed
from crawler.site_server import CONTENT_TYPES, SiteServer
from crawler.urls import canonicalize
from storage.db import open_database

FEED_TITLE = "Alibaba Says Qwen2.5-Max Outperforms DeepSeek-V3 in Lunar New Year Release"
DEEPSEEK = "How China’s DeepSeek Emerged as a Major Player in the AI Landscape"


@pytest.fixture
def tried(labscope: Labscope) -> Iterator[Labscope]:
    """A config whose database exists (an empty archive): after the test, the file has the same
    bytes and modification time, and no journal or WAL file appeared beside it."""
    labscope.write_config("")
    open_database(f"sqlite:///{labscope.db}").close()
    before = (labscope.db.read_bytes(), os.stat(labscope.db).st_mtime_ns)
    files = sorted(labscope.db.parent.iterdir())
    yield labscope
    assert (labscope.db.read_bytes(), os.stat(labscope.db).st_mtime_ns) == before
    assert sorted(labscope.db.parent.iterdir()) == files


def try_json(labscope: Labscope, *args: str) -> Any:
    run = labscope("try", *args, "--json")
    assert run.code == 0 and "Traceback" not in run.stderr, run.stderr
    return run.json()


def pasted(result: Result | str) -> dict[str, object]:
    """The [[sources]] table the output says to paste, loaded as config.toml would be."""
    text = result if isinstance(result, str) else result.stdout
    config = parse_config(text[text.index("[[sources]]") :])
    (source,) = config.sources
    return {
        "name": source.name,
        "kind": source.kind,
        "url": source.url,
        "follow": source.follow.pattern if source.follow else None,
        "links": source.links,
        "script": source.script,
        "render": source.render,
    }


def article_hits(site: SiteServer, prefix: str) -> list[str]:
    return [hit.path for hit in site.requests if hit.path.startswith(prefix)]


def test_a_feed_is_guessed_and_its_first_article_shown(tried: Labscope, site: SiteServer) -> None:
    run = tried("try", site.url("/feed.xml"))
    assert run.code == 0, run.stderr
    assert "kind: feed (guessed: the answer is an RSS or Atom feed)" in run.stdout
    entries = parse_feed(
        (site.root / "feed.xml").read_bytes().replace(b"{{BASE}}", site.base.encode()),
        site.url("/feed.xml"),
    ).entries
    assert f"{len(entries)} links:" in run.stdout
    for entry in entries:
        # As a crawl asks for it: tracking parameters dropped.
        assert canonicalize(entry.url) in run.stdout and str(entry.title) in run.stdout
    assert f"First article: {canonicalize(entries[0].url)}" in run.stdout
    assert f"  title: {FEED_TITLE}" in run.stdout
    assert "  published: 2025-01-29T08:30:00+00:00" in run.stdout
    assert "  language: en" in run.stdout
    assert "Eddie Wu (person)" in run.stdout
    assert "> Alibaba Cloud released Qwen2.5-Max on Tuesday" in run.stdout
    assert pasted(run) == {
        "name": "127-0-0-1",
        "kind": "feed",
        "url": site.url("/feed.xml"),
        "follow": None,
        "links": None,
        "script": None,
        "render": "plain",
    }
    # One feed and one article fetched, not the feed's every article.
    assert article_hits(site, "/news/2025/") == ["/news/2025/qwen-25-max-launch.html"]


def test_json_output_and_a_linked_feed(tried: Labscope, site: SiteServer) -> None:
    answer = try_json(tried, site.url("/news/index.html"))
    assert answer["kind_from"] == f"guessed: the page links to a feed, {site.url('/feed.xml')}"
    links = answer["links"]
    assert isinstance(links, list) and len(links) == 4
    assert links[1] == {
        "url": site.url("/news/2025/deepseek-emerges.html"),
        "title": DEEPSEEK,
        "published": "2025-01-28T09:00:00+00:00",
    }
    article = answer["article"]
    assert isinstance(article, dict)
    assert (article["title"], article["language"]) == (FEED_TITLE, "en")
    assert article["published"] == "2025-01-29T08:30:00+00:00"
    assert {"name": "Eddie Wu", "type": "person", "known": True, "count": 1} in article["entities"]
    assert str(article["lines"][0]).startswith("Alibaba Cloud released Qwen2.5-Max")
    source = answer["source"]
    assert isinstance(source, dict) and source["kind"] == "feed"
    # The table to paste names the feed itself, which saves the page's fetch on every crawl.
    assert pasted(str(answer["config"]))["url"] == site.url("/feed.xml")


def test_a_listing_is_guessed_with_a_follow_pattern_that_works(
    tried: Labscope, site: SiteServer
) -> None:
    many_articles(site, 3)
    run = tried("try", site.url("/many/index.html"))
    assert run.code == 0, run.stderr
    assert "kind: listing (guessed: the answer is an HTML page that links no feed" in run.stdout
    for i in range(3):
        assert (
            f"{site.url(f'/many/story-{i}.html')}  Story {i}: how a lab numbered {i}" in run.stdout
        )
    assert "  title: Story 0: how a lab numbered 0 grew" in run.stdout
    table = pasted(run)
    assert table["kind"] == "listing"
    # The pasted follow picks the stories, not the listing itself.
    follow = re.compile(str(table["follow"]))
    assert all(follow.search(site.url(f"/many/story-{i}.html")) for i in range(3))
    assert not follow.search(site.url("/feed.xml"))


def test_follow_picks_the_links(labscope: Labscope, site: SiteServer) -> None:
    """Without a config file: the default settings, and no database file is created."""
    many_articles(site, 4)
    list_stories(site, range(4))
    answer = try_json(labscope, site.url("/many/index.html"), "--follow", r"story-[13]\.html")
    assert [link["url"] for link in answer["links"]] == [
        site.url("/many/story-1.html"),
        site.url("/many/story-3.html"),
    ]
    assert answer["kind_from"] == "from --follow"
    assert not labscope.config.exists() and not labscope.db.exists()
    assert not list(labscope.db.parent.glob("*.db*"))


def test_a_json_list(tried: Labscope, site: SiteServer) -> None:
    posts = [
        {
            "path": "/news/2025/deepseek-emerges.html",
            "name": "DeepSeek's rise",
            "date": "2025-01-28",
        },
        {"path": "/news/2025/qwen-25-max-launch.html", "name": "Qwen2.5-Max", "date": "2025-01-29"},
    ]
    site.set_page("/api/posts", json.dumps({"data": posts}).encode(), "application/json")
    links = "data[].{url: path, title: name, published: date}"
    answer = try_json(tried, site.url("/api/posts"), "--links", links)
    assert [(link["url"], link["title"], link["published"][:10]) for link in answer["links"]] == [
        (site.url(post["path"]), post["name"], post["date"]) for post in posts
    ]
    assert answer["article"]["title"] == DEEPSEEK
    assert pasted(str(answer["config"]))["links"] == links


def test_a_json_answer_without_links_says_what_to_pass(tried: Labscope, site: SiteServer) -> None:
    site.set_page("/api/posts", b'{"data": [], "total": 0}', "application/json")
    run = tried("try", site.url("/api/posts"))
    assert run.code == 2
    line = one_line_error(run.stderr)
    assert "the answer is JSON (top-level keys: data, total); pass --links" in line


def test_next_data_in_a_page(tried: Labscope, site: SiteServer) -> None:
    data = {
        "props": {
            "pageProps": {
                "posts": [
                    {
                        "href": "/news/2025/deepseek-emerges.html",
                        "title": "DeepSeek",
                        "at": "2025-01-28",
                    }
                ]
            }
        }
    }
    page = (
        '<html><body><div id="__next"></div><script id="__NEXT_DATA__" type="application/json">'
        f"{json.dumps(data)}</script></body></html>"
    )
    site.set_page("/blog", page.encode(), CONTENT_TYPES[".html"])
    links = "props.pageProps.posts[].{url: href, title: title, published: at}"
    answer = try_json(
        tried, site.url("/blog"), "--links", links, "--script", "script#__NEXT_DATA__"
    )
    assert answer["links"] == [
        {
            "url": site.url("/news/2025/deepseek-emerges.html"),
            "title": "DeepSeek",
            "published": "2025-01-28T00:00:00+00:00",
        }
    ]
    assert answer["article"]["title"] == DEEPSEEK
    assert answer["kind_from"] == "from --links"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--follow", "("], 'follow "(" is not a valid regex'),
        (["--links", "[["], 'links "[[" is not a valid JMESPath expression'),
        (["--links", "a", "--script", "p["], 'script "p[" is not a valid CSS selector'),
        (["--render", "chrome"], 'render must be "plain" or "browser" (got "chrome")'),
        (["--kind", "blog"], "kind must be one of feed, sitemap, listing, page, json"),
        (["--kind", "feed", "--follow", "x"], 'follow only applies to kind "listing"'),
    ],
)
def test_bad_options_are_config_errors(
    tried: Labscope, site: SiteServer, args: list[str], needle: str
) -> None:
    run = tried("try", site.url("/news/index.html"), *args)
    assert run.code == 2
    assert needle in one_line_error(run.stderr)
    assert site.requests == []  # refused before any fetch


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        (
            "ftp://example.com/feed",
            'url must be an http:// or https:// URL (got "ftp://example.com/feed")',
        ),
        (
            "http://127.0.0.1:1/feed.xml",
            "http://127.0.0.1:1/feed.xml: robots.txt unavailable (no answer: connection refused)",
        ),
    ],
)
def test_bad_and_unreachable_urls(tried: Labscope, url: str, needle: str) -> None:
    run = tried("try", url)
    assert run.code == 2
    assert needle in one_line_error(run.stderr)


def test_robots_txt_is_respected(tried: Labscope, site: SiteServer) -> None:
    run = tried("try", site.url("/private/2025/secret-plans.html"))
    assert run.code == 2
    assert "secret-plans.html: IgnoreRequest: Forbidden by robots.txt" in one_line_error(run.stderr)
    assert not article_hits(site, "/private/")
    missing = tried("try", site.url("/nothing.html"))
    assert (missing.code, one_line_error(missing.stderr)) == (
        2,
        f"labscope: error: {site.url('/nothing.html')}: HTTP 404",
    )


@pytest.fixture
def app() -> Iterator[SiteServer]:
    server = SiteServer(APP).start()
    yield server
    server.stop()


@needs_chromium
def test_a_javascript_app_through_the_browser(tried: Labscope, app: SiteServer) -> None:
    url = app.url("/index.html")
    answer = try_json(tried, url, "--follow", FOLLOW, "--render", "browser")
    titles = {link["title"] for link in answer["links"]}
    assert titles == {post["title"] for post in POSTS.values()}
    article = answer["article"]
    assert isinstance(article, dict)
    post = next(p for p in POSTS.values() if p["title"] == article["title"])
    assert post["paragraphs"][0] in " ".join(article["lines"])
    assert post["ad"] not in " ".join(article["lines"])
    assert pasted(str(answer["config"]))["render"] == "browser"
    # The same source without the browser sees an empty shell, and says what to do.
    plain = tried("try", url, "--follow", FOLLOW)
    assert plain.code == 2
    assert 'set render = "browser"' in one_line_error(plain.stderr)
