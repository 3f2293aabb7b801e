"""JSON sources (`kind = "json"`), text sitemaps and feed autodiscovery, on recorded real pages.

tests/fixtures/real/json/ holds IGN's Next.js article page of 2019-11-18 (its `__NEXT_DATA__`
lists 9 articles with their dates) and 0install.net's text sitemap; feed autodiscovery runs on
The Atlantic's page in tests/fixtures/real/removals/ and the Qwen blog page in real/pages/
(tests/fixtures/README.md says where each comes from). The article pages the lists lead to are
the demo site's article under other headlines: what is under test is the discovery.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ROOT, TEMPLATE, Labscope, source

from crawler.config import load_config, parse_config
from crawler.errors import ConfigError
from crawler.feeds import advertised_feed, parse_feed
from crawler.json_links import read_links
from crawler.site_server import SiteServer
from crawler.sitemaps import parse_sitemap

REAL = FIXTURES / "real" / "json"
IGN = gzip.decompress((REAL / "ign-next-data.html.gz").read_bytes())
IGN_EXPECTED = json.loads((REAL / "ign-next-data.expected.json").read_text(encoding="utf-8"))
IGN_LINKS = (
    "values(props.apolloState)[?__typename == 'Article' && url]"
    ".{url: url, title: title, published: publishDate}"
)
FAST = "delay = 0\ntimeout = 5\nworkers = 0"
# The shape of Qwen's research list as RSSHub's route reads it (lib/routes/qwen/research.ts:
# `ResearchArticle`, the link `https://qwen.ai/blog?id=${item.id}`): no captured answer of the
# endpoint was found in a public repository, so this is that shape, with the first post's
# title and date as qwen.ai published them; the last item has no id, as a malformed post would.
QWEN_SHAPE = [
    {
        "id": "qwen3-tts-vc-voicedesign",
        "title": "Qwen3-TTS Steps Up: Voice Cloning and Voice Design!",
        "date": "2025-12-22T16:00:45.000Z",
        "introduction": "**Qwen3-TTS** family has launched two new models.",
        "tags": ["Release"],
        "cover": "https://example.invalid/cover.png",
    },
    {"id": "chinese-clip", "title": "Chinese CLIP", "date": "2022-12-24T06:54:19.000Z"},
    {"title": "A post without an id", "date": "2025-01-01T00:00:00.000Z"},
]


def serve_story(site: SiteServer, path: str, title: str) -> None:
    """The demo article under its own headline at `path` (its canonical link moved there)."""
    html = (site.root / TEMPLATE.lstrip("/")).read_text(encoding="utf-8")
    headline = "How China’s DeepSeek Emerged as a Major Player in the AI Landscape"
    page = html.replace(headline, title).replace(TEMPLATE, path)
    site.set_page(path, page.replace("<p>", f"<p>{title}. ", 1).encode("utf-8"))


def crawl(labscope: Labscope) -> dict[str, Any]:
    run = labscope("crawl", "--json")
    assert run.code == 0 and "Traceback" not in run.stderr, run.stderr
    summary: dict[str, Any] = run.json()
    return summary


def versions(labscope: Labscope, site: SiteServer) -> dict[str, dict[str, Any]]:
    """Each stored version's hints, by the path it was fetched from."""
    with sqlite3.connect(labscope.db) as db:
        rows = db.execute("SELECT fetched_url, hints FROM versions").fetchall()
    return {url.removeprefix(site.url("")): json.loads(hints) for url, hints in rows}


def health(labscope: Labscope, name: str) -> dict[str, Any]:
    run = labscope("sources", "--json")
    assert run.code == 0, run.stderr
    return next(s for s in run.json() if s["name"] == name)


# A Next.js page's __NEXT_DATA__, read by a real crawl.


def test_next_data_page_lists_all_its_articles_with_their_dates(
    site: SiteServer, labscope: Labscope
) -> None:
    site.set_page("/real/ign/deals.html", IGN)
    for post in IGN_EXPECTED["posts"]:
        serve_story(site, post["path"], post["title"])
    config = f'links = "{IGN_LINKS}"\nscript = "script#__NEXT_DATA__"\n'
    labscope.write_config(source("ign", "json", site.url("/real/ign/deals.html")) + config, FAST)

    summary = crawl(labscope)
    assert (summary["failed"], summary["new_articles"]) == (0, len(IGN_EXPECTED["posts"]))
    stored = versions(labscope, site)
    assert set(stored) == {post["path"] for post in IGN_EXPECTED["posts"]}
    for post in IGN_EXPECTED["posts"]:
        hints = stored[post["path"]]
        assert (hints["via"], hints["title"]) == ("json", post["title"])
        assert hints["published"] == post["published"]
    assert health(labscope, "ign")["health"] == "ok"


def test_next_data_page_read_without_a_crawl_keeps_ign_s_own_dates() -> None:
    result = read_links(IGN, "https://www.ign.com/", IGN_LINKS, "script#__NEXT_DATA__")
    assert result.error is None
    assert [(link.url, link.published and link.published.isoformat()) for link in result.links] == [
        ("https://www.ign.com" + post["path"], post["published"]) for post in IGN_EXPECTED["posts"]
    ]


# A JSON API answering a post list: the default config's Qwen source.


def test_the_shipped_qwen_expression_reads_the_research_list_shape() -> None:
    qwen = load_config(ROOT / "config.toml").source("qwen-research-list")
    assert (qwen.kind, qwen.script) == ("json", None)
    assert qwen.links is not None
    result = read_links(json.dumps(QWEN_SHAPE).encode(), qwen.url, qwen.links)
    assert result.error is None
    assert [(link.url, link.title, link.language) for link in result.links] == [
        (
            "https://qwen.ai/blog?id=qwen3-tts-vc-voicedesign",
            "Qwen3-TTS Steps Up: Voice Cloning and Voice Design!",
            "en",
        ),
        ("https://qwen.ai/blog?id=chinese-clip", "Chinese CLIP", "en"),
    ]
    assert [link.published and link.published.isoformat() for link in result.links] == [
        "2025-12-22T16:00:45+00:00",
        "2022-12-24T06:54:19+00:00",
    ]


def test_a_json_post_list_is_crawled_then_a_broken_answer_marks_the_source_empty(
    site: SiteServer, labscope: Labscope
) -> None:
    answer = json.dumps(QWEN_SHAPE).encode()
    site.set_page("/api/page_config", answer, "application/json")
    for post in QWEN_SHAPE[:2]:
        serve_story(site, f"/blog/{post['id']}.html", str(post["title"]))
    # Relative URLs resolve against the source's URL, as the shipped expression relies on.
    links = "[?id].{url: join('', ['../blog/', id, '.html']), title: title, published: date}"
    url = site.url("/api/page_config")
    labscope.write_config(source("qwen", "json", url) + f'links = "{links}"\n', FAST)

    first = crawl(labscope)
    assert (first["new_articles"], first["failed"]) == (2, 0)
    stored = versions(labscope, site)
    assert stored["/blog/qwen3-tts-vc-voicedesign.html"]["published"] == "2025-12-22T16:00:45+00:00"
    assert stored["/blog/chinese-clip.html"]["title"] == "Chinese CLIP"

    site.set_page("/api/page_config", b'{"data": []}', "application/json")  # the API moved
    second = crawl(labscope)
    assert [e["reason"] for e in second["errors"]] == [
        f"links {json.dumps(links)} found no links in the JSON (nothing)"
    ]
    assert health(labscope, "qwen")["health"] == "empty"

    site.set_page("/api/page_config", b"<html><body>Service unavailable</body></html>")
    third = crawl(labscope)
    assert [e["reason"] for e in third["errors"]] == [
        "the answer is not JSON (Expecting value: line 1 column 1 (char 0))"
    ]
    assert health(labscope, "qwen")["health"] == "empty"


def test_a_page_without_the_script_element_is_a_reason_not_a_traceback() -> None:
    page = (FIXTURES / "real" / "pages" / "qwen-blog.html").read_bytes()
    result = read_links(page, "https://qwenlm.github.io/blog/", "[]", "script#__NEXT_DATA__")
    assert result.error == 'no element matches script "script#__NEXT_DATA__"'


def test_dates_as_json_apis_write_them_and_junk_that_is_no_date() -> None:
    posts = [
        {"url": "/a", "published": 1735689600},  # epoch seconds
        {"url": "/b", "published": 1735689600000},  # epoch milliseconds
        {"url": "/c", "published": "Wed, 01 Jan 2025 00:00:00 GMT"},
        {"url": "/d", "published": True, "title": ["not", "text"]},
        {"url": "/e", "published": 10**30},
        {"title": "no url"},
        "/f",
        42,
    ]
    result = read_links(json.dumps(posts).encode(), "https://s.example/api/", "[]")
    assert [(link.url, link.published and link.published.isoformat()) for link in result.links] == [
        ("https://s.example/a", "2025-01-01T00:00:00+00:00"),
        ("https://s.example/b", "2025-01-01T00:00:00+00:00"),
        ("https://s.example/c", "2025-01-01T00:00:00+00:00"),
        ("https://s.example/d", None),
        ("https://s.example/e", None),
        ("https://s.example/f", None),
    ]
    assert result.links[3].title is None


def test_deeply_nested_json_is_a_reason() -> None:
    result = read_links(b"[" * 100_000 + b"]" * 100_000, "https://s.example/", "[]")
    assert result.error is not None and result.error.startswith("the answer is not JSON (")


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        pytest.param(
            "",
            'config.toml:3: source "s": kind "json" needs links = "<JMESPath yielding URLs or'
            ' objects with a url>"',
            id="json-without-links",
        ),
        pytest.param(
            'links = "[].{url: "\n',
            'config.toml:5: source "s": links "[].{url: " is not a valid JMESPath expression'
            " (it ends too early, at character 9)",
            id="bad-links",
        ),
        pytest.param(
            'links = "[]"\nscript = "script["\n',
            'config.toml:6: source "s": script "script[" is not a valid CSS selector'
            " (Expected ident or '*', got <EOF at 7>)",
            id="bad-script",
        ),
    ],
)
def test_json_keys_are_checked_at_load_time(keys: str, message: str) -> None:
    text = f'[[sources]]\nname = "s"\nkind = "json"\nurl = "https://qwen.ai/api"\n{keys}'
    with pytest.raises(ConfigError) as error:
        parse_config(text, Path("config.toml"))
    assert str(error.value) == message


@pytest.mark.parametrize("key", ["links", "script"])
def test_json_keys_on_another_kind_are_an_error(key: str) -> None:
    text = f'[[sources]]\nname = "s"\nkind = "feed"\nurl = "https://x.example/f"\n{key} = "a"\n'
    with pytest.raises(ConfigError) as error:
        parse_config(text, Path("config.toml"))
    assert str(error.value) == (
        f'config.toml:5: source "s": {key} only applies to kind "json", not "feed"; remove it'
    )


# Text sitemaps.


def test_a_real_text_sitemap_is_read() -> None:
    body = (REAL / "0install-sitemap.txt").read_bytes()
    sitemap = parse_sitemap(body, "https://0install.net/sitemap.txt")
    assert sitemap is not None and sitemap.kind == "urlset"
    assert [entry.url for entry in sitemap.entries] == [
        "https://0install.net/index.html",
        "https://get.0install.net/",
        "https://apps.0install.net/",
        "https://0install.net/support.html",
        "https://docs.0install.net/",
    ]


def test_a_text_sitemap_with_a_bom_blank_and_foreign_lines_is_crawled(
    site: SiteServer, labscope: Labscope
) -> None:
    for i in (1, 2):
        serve_story(site, f"/txt/story-{i}.html", f"Story {i} from a text sitemap")
    lines = [
        "http://{{BASE}}/txt/story-1.html",
        "",
        "# not a URL",
        "ftp://{{BASE}}/txt/file.zip",
        "  http://{{BASE}}/txt/story-2.html  ",
    ]
    body = "\ufeff" + "\r\n".join(lines) + "\r\n"
    site.set_page("/sitemap.txt", body.encode("utf-8"), "text/plain; charset=utf-8")
    site.set_page("/robots.txt", b"User-agent: *\nDisallow:\n", "text/plain")
    labscope.write_config(source("txt", "sitemap", site.url("/sitemap.txt")), FAST)
    summary = crawl(labscope)
    assert (summary["new_articles"], summary["failed"]) == (2, 0)
    assert set(versions(labscope, site)) == {"/txt/story-1.html", "/txt/story-2.html"}


def test_robots_txt_is_not_a_text_sitemap() -> None:
    assert parse_sitemap(b"User-agent: *\nDisallow: /private/\n", "https://s.example/x") is None


# Feed autodiscovery.


def test_a_feed_source_on_a_page_follows_the_feed_it_links_once(
    site: SiteServer, labscope: Labscope
) -> None:
    atlantic = FIXTURES / "real" / "removals" / "theatlantic-disasters.html.gz"
    page = gzip.decompress(atlantic.read_bytes())
    site.set_page("/real/atlantic/disasters.html", page)
    site.set_page("/feed/all/", (site.root / "feed.xml").read_bytes(), "application/rss+xml")
    url = site.url("/real/atlantic/disasters.html")
    labscope.write_config(source("atlantic", "feed", url), FAST)

    summary = crawl(labscope)
    feed = parse_feed((site.root / "feed.xml").read_bytes(), site.url("/feed.xml"))
    assert summary["failed"] == 0
    assert summary["new_articles"] == len({entry.url for entry in feed.entries})
    with sqlite3.connect(labscope.db) as db:
        notes = json.loads(db.execute("SELECT notes FROM crawl_runs").fetchone()[0])
    assert notes == [
        {
            "url": url,
            "note": f"not a feed: followed the feed the page links to, {site.url('/feed/all/')}",
            "source": "atlantic",
        }
    ]
    assert [hit.path for hit in site.requests].count("/feed/all/") == 1


def test_a_linked_feed_that_fails_is_the_page_s_failure(
    site: SiteServer, labscope: Labscope
) -> None:
    page = (FIXTURES / "broken" / "not-a-feed.html").read_bytes()  # links /feed.xml: a 404 here
    site.set_page("/feeds.html", page)
    site.set_page("/feed.xml", b"<html><body>Not found</body></html>", status=404)
    labscope.write_config(source("feeds-page", "feed", site.url("/feeds.html")), FAST)
    summary = crawl(labscope)
    assert [(e["url"], e["reason"]) for e in summary["errors"]] == [
        (
            site.url("/feeds.html"),
            f"not a feed; the feed it links to, {site.url('/feed.xml')}, failed: HTTP 404",
        )
    ]


def test_a_page_linking_no_feed_is_still_refused(site: SiteServer, labscope: Labscope) -> None:
    page = gzip.decompress((FIXTURES / "real" / "pages" / "cityam-alibaba.html.gz").read_bytes())
    assert advertised_feed(page, "https://www.cityam.com/") is None
    site.set_page("/real/cityam.html", page)
    labscope.write_config(source("cityam", "feed", site.url("/real/cityam.html")), FAST)
    summary = crawl(labscope)
    assert [e["url"] for e in summary["errors"]] == [site.url("/real/cityam.html")]
    assert summary["errors"][0]["reason"].startswith("not a readable feed (")
    assert [hit.path for hit in site.requests if hit.path != "/robots.txt"] == ["/real/cityam.html"]


def test_the_real_qwen_blog_page_names_its_feed_in_unquoted_attributes() -> None:
    page = (FIXTURES / "real" / "pages" / "qwen-blog.html").read_bytes()
    assert advertised_feed(page, "https://qwenlm.github.io/blog/") == (
        "https://qwenlm.github.io/blog/index.xml"
    )
