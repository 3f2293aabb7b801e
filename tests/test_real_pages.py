"""Recorded real pages, crawled by the real CLI on 127.0.0.1 (issue 17, parts 3, 4, 5 and 8).

Every page in tests/fixtures/real/pages/ is a byte-for-byte copy of a real site's page from a
public repository (tests/fixtures/README.md, "Real pages: pages", names each origin and
licence), with its expected outcome beside it in <name>.expected.json: refused with the
reason's start, or stored with its title, the reader's paragraphs (from the page's own article
element or the benchmark's hand-checked text) and the chrome that must not be stored. One crawl
serves them all: the pages a listing links to, Qwen's blog as a listing, and Qwen2.5-Max's post
as a page source.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import FIXTURES, Labscope, source
from lxml.html import document_fromstring

from crawler.extract import Extraction, extract
from crawler.extraction.refresh import MetaRefresh, find_refresh
from crawler.site_server import SiteServer

REAL = FIXTURES / "real" / "pages"
EXPECTED: dict[str, dict[str, Any]] = {
    path.name.removesuffix(".expected.json"): json.loads(path.read_text(encoding="utf-8"))
    for path in sorted(REAL.glob("*.expected.json"))
}
PAGE_SOURCE = {name for name, e in EXPECTED.items() if e.get("source_kind") == "page"}
LISTED = sorted(set(EXPECTED) - PAGE_SOURCE)
STORED = sorted(name for name, e in EXPECTED.items() if e["outcome"] == "stored")
REFUSED = sorted(name for name, e in EXPECTED.items() if e["outcome"] == "refused")
DECLARED = "/real/firefox/welcome-as-a-page-source/"
"""The app welcome page again, as a `page` source: the user declared it an article."""
PARAGRAPHS_STORED = 0.9
"""At least this share of the reader's paragraphs must be in the stored text."""


def recorded(name: str) -> bytes:
    """The page as it was recorded (gunzipped when the fixture is kept compressed)."""
    plain = REAL / f"{name}.html"
    if plain.exists():
        return plain.read_bytes()
    return gzip.decompress((REAL / f"{name}.html.gz").read_bytes())


def squash(text: str) -> str:
    """Text without any whitespace: CJK text has none between sentences, markup adds some."""
    return "".join(text.split())


@dataclass
class Crawl:
    site: SiteServer
    summary: dict[str, Any]
    versions: dict[str, dict[str, Any]]  # by the path the page was served at

    def reason(self, path: str) -> str | None:
        reasons = {
            e["url"].removeprefix(self.site.url("")): e["reason"] for e in self.summary["errors"]
        }
        return reasons.get(path)


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("site")
    site = SiteServer(root).start()
    for name, expected in EXPECTED.items():
        # No charset in the header: the pages say theirs, or are UTF-8 without saying.
        site.set_page(expected["served_at"], recorded(name), "text/html", validators=False)
    site.set_page("/real/qwen/blog/", (REAL / "qwen-blog.html").read_bytes(), "text/html")
    site.set_page("/about", (REAL / "qwen-about.html").read_bytes(), "text/html")
    site.set_page(DECLARED, recorded("firefox-developer-welcome"), "text/html")
    links = "".join(
        f'<li><a href="{EXPECTED[name]["served_at"]}">{name}</a></li>' for name in LISTED
    )
    site.set_page("/real/index.html", f"<html><body><ul>{links}</ul></body></html>".encode())
    work = tmp_path_factory.mktemp("crawl")
    labscope = Labscope(work / "config.toml", work / "labscope.db")
    post = next(iter(PAGE_SOURCE))
    labscope.write_config(
        source("real", "listing", site.url("/real/index.html"), "/real/")
        + source("qwen-post", "page", site.url(EXPECTED[post]["served_at"]))
        + source("qwen-blog", "listing", site.url("/real/qwen/blog/"), r"^http://[^/]+/about$")
        + source("firefox-page", "page", site.url(DECLARED)),
        "delay = 0\ntimeout = 10\nworkers = 0",
    )
    run = labscope("crawl", "--json", timeout=300)
    assert run.code == 0 and "Traceback" not in run.stderr, run.stderr
    with sqlite3.connect(labscope.db) as db:
        rows = db.execute(
            "SELECT fetched_url, title, text, hints, language, published FROM versions"
        )
        versions = {
            url.removeprefix(site.url("")): {
                "title": title,
                "text": text,
                "hints": json.loads(hints),
                "language": language,
                "published": published,
            }
            for url, title, text, hints, language, published in rows
        }
    yield Crawl(site, run.json(), versions)
    site.stop()


def test_every_recorded_page_has_its_expectations() -> None:
    names = {p.name.removesuffix(".gz").removesuffix(".html") for p in REAL.glob("*.html*")}
    pages = names - {"qwen-blog", "qwen-about"}  # served beside the post, not tested alone
    assert pages == set(EXPECTED)
    assert REFUSED and STORED


@pytest.mark.parametrize("name", REFUSED)
def test_pages_that_are_not_articles_are_refused_with_their_kind(crawl: Crawl, name: str) -> None:
    expected = EXPECTED[name]
    reason = crawl.reason(expected["served_at"])
    assert reason is not None and reason.startswith(expected["reason_starts"]), reason
    assert expected["served_at"] not in crawl.versions


@pytest.mark.parametrize("name", STORED)
def test_articles_are_stored_without_their_chrome(crawl: Crawl, name: str) -> None:
    expected = EXPECTED[name]
    version = crawl.versions.get(expected["served_at"])
    assert version is not None, crawl.reason(expected["served_at"])
    text = squash(version["text"])
    if "title" in expected:
        assert version["title"] == expected["title"]
    if "language" in expected:
        assert version["language"] == expected["language"]
    if "published" in expected:  # stored in UTC, without its offset
        stored = datetime.fromisoformat(version["published"]).replace(tzinfo=UTC)
        assert stored == datetime.fromisoformat(expected["published"])
    paragraphs = [squash(p) for p in expected["paragraphs"]]
    missing = [p for p in paragraphs if p not in text]
    assert len(missing) <= (1 - PARAGRAPHS_STORED) * len(paragraphs), missing
    assert [s for s in expected.get("must_contain", []) if squash(s) not in text] == []
    assert [s for s in expected["must_not_contain"] if squash(s) in text] == []
    if "max_chrome_lines" in expected:  # lines that are none of the reader's paragraphs
        reader = "".join(paragraphs) + squash(version["title"])
        chrome = [line for line in version["text"].split("\n") if squash(line) not in reader]
        assert len(chrome) <= expected["max_chrome_lines"], chrome
    for key, value in expected.get("hints", {}).items():
        assert version["hints"][key] == value


@pytest.mark.parametrize("name", [n for n, e in EXPECTED.items() if "hidden_body" in e])
def test_a_body_hidden_until_scripts_run_is_stored(crawl: Crawl, name: str) -> None:
    """WeChat's server sends `#js_content` hidden by an inline style that its scripts lift, and
    trafilatura prunes hidden elements (unless that would cut the page to a seventh), so the
    capture tested must be the server's own bytes: the GNE capture was saved after the scripts
    ran. Its paragraphs are held by test_articles_are_stored_without_their_chrome; here, that
    the page is such a capture and that its body is what was stored."""
    expected = EXPECTED[name]
    page = recorded(name)
    assert b"var biz = " in page and b"var msg_link = " in page  # WeChat's own page scripts
    body = document_fromstring(page).get_element_by_id("js_content")
    assert body.get("style") == expected["hidden_body"]
    stored = crawl.versions[expected["served_at"]]["text"]
    assert squash(expected["paragraphs"][-1]) in squash(stored)


def test_a_delayed_refresh_is_recorded_not_followed(crawl: Crawl) -> None:
    """Qwen's `5; url=&#34;https://qwen.ai/research&#34;` was read as the page itself and
    re-fetched until the crawl reported a redirect loop, listing and articles lost."""
    assert not [e for e in crawl.summary["errors"] if "redirect loop" in e["reason"]]
    assert crawl.reason("/real/qwen/blog/") is None
    assert [hit.path for hit in crawl.site.requests].count("/about") == 1  # listed, fetched
    assert not [hit for hit in crawl.site.requests if "qwen.ai" in hit.path]


@pytest.mark.parametrize("name", [n for n, e in EXPECTED.items() if "stability" in e])
def test_an_unchanged_article_extracts_the_same_from_every_capture(name: str) -> None:
    """Precision mode dropped the sentence after an empty inline element; the capture without
    that element (WordPress writes its 'more' anchor on the post's own page only) kept it."""
    expected = EXPECTED[name]
    html = recorded(name).decode("utf-8")
    other = html.replace(expected["stability"]["capture_without"], "", 1)
    assert other != html
    url = f"http://127.0.0.1:8000{expected['served_at']}"
    first, second = extract(html, url), extract(other, url)
    assert isinstance(first, Extraction) and isinstance(second, Extraction)
    assert first.text == second.text
    assert all(squash(s) in squash(first.text) for s in expected["must_contain"])


def test_recorded_pages_are_what_the_readme_lists() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Real pages: pages", 1)[1]
    listed = {p.name for p in REAL.iterdir() if not p.name.endswith(".json")}
    assert [name for name in sorted(listed) if f"`{name}`" not in section] == []


def test_a_page_source_is_not_second_guessed(crawl: Crawl) -> None:
    """The welcome page refused from a listing is stored when a `page` source names it: the
    kind-of-page guesses (home page, section front, website page) are for discovered links."""
    version = crawl.versions.get(DECLARED)
    assert version is not None, crawl.reason(DECLARED)
    assert version["title"] == "Welcome to Firefox Developer Edition"


@pytest.mark.parametrize(
    ("name", "delay", "target"),
    [
        ("qwen-blog", 5.0, "https://qwen.ai/research"),  # content="5; url=&#34;...&#34;"
        ("google-refresh-stub", 0.0, "http://example.com"),  # content="0;URL='...'", noscript
        ("ap-hosted-story", 600.0, None),  # content="600": a reload
    ],
)
def test_refresh_values_of_real_pages_read_as_a_browser_reads_them(
    name: str, delay: float, target: str | None
) -> None:
    tree = document_fromstring(recorded(name))
    assert find_refresh(tree, "http://127.0.0.1:8000/page.html") == MetaRefresh(delay, target)


def test_a_headline_that_holds_a_separator_is_not_cut_at_it() -> None:
    """trafilatura cuts a <title> at " | " as if a site name followed. WechatSogou's real 2018
    capture of a WeChat voice post reads "语音 | 早安武汉〔2018.3.19 周一〕" in both its <title>
    and its heading: it was stored as "语音". Read from tests/fixtures/real/titles/."""
    titles = FIXTURES / "real" / "titles"
    expected = json.loads((titles / "wechatsogou-voice-post.expected.json").read_text("utf-8"))
    html = gzip.decompress((titles / "wechatsogou-voice-post.html.gz").read_bytes())
    found = extract(html.decode("utf-8"), expected["url"])
    assert isinstance(found, Extraction), found
    assert found.title == expected["title"]
    assert [s for s in expected["must_not_contain"] if s in found.text] == []
