"""`labscope serve`: the pages and the JSON API, against a real server on a real crawl.

One archive per test module: the fixture site crawled twice (the DeepSeek article edited in
between) plus a hostile page, served by `labscope serve --port 0` in a child process. Pages
are read over HTTP and parsed with lxml; the browser test drives Debian's chromium.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from conftest import FIXTURES, ROOT, Labscope, archive_url, source
from hypothesis import HealthCheck, given, settings
from lxml import etree
from lxml import html as lxml_html
from schemathesis.checks import positive_data_acceptance

from crawler.demo import DEMO_SITE
from crawler.site_server import SiteServer
from storage.db import open_database
from storage.digest.summary import summarize_digest

DEEPSEEK = "/news/2025/deepseek-emerges.html"
HOSTILE = "/news/2025/hostile.html"
ARTICLES = r"/news/20\d\d/[\w-]+(\.gbk)?\.html"
EDIT = json.loads((FIXTURES / "edited" / "deepseek-emerges-v2.expected.json").read_text("utf-8"))
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")


@dataclass
class Served:
    url: str
    labscope: Labscope
    site: SiteServer

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        """Status, headers (lower-case names) and body of a GET."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as response:
                headers = {k.lower(): v for k, v in response.headers.items()}
                return response.status, headers, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            headers = {k.lower(): v for k, v in error.headers.items()}
            return error.code, headers, error.read().decode("utf-8")

    def api(self, path: str) -> Any:
        status, _, body = self.get(path)
        assert status == 200, body
        return json.loads(body)

    def page(self, path: str, status: int = 200) -> Any:
        code, headers, body = self.get(path)
        assert code == status, body
        assert headers["content-type"].startswith("text/html")
        return lxml_html.fromstring(body)


def _hostile_page() -> bytes:
    """The DeepSeek article with markup a reader might quote, in the title and the text."""
    original = (
        (DEMO_SITE / DEEPSEEK.lstrip("/")).read_bytes().replace(DEEPSEEK.encode(), HOSTILE.encode())
    )  # its own canonical URL, or it would be stored as the DeepSeek article
    escaped = (
        f"Readers pasted {SCRIPT} and {IMG} and "
        '<a href="javascript:alert(3)">click</a> into a comment that was quoted.'
    )
    entities = escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    body = original.replace(
        b'<p class="source-note">', f'<p>{entities}</p><p class="source-note">'.encode()
    )
    title = EDIT["title"]["old"].encode()  # in <title>, <h1> and the meta tags
    return body.replace(title, b"&lt;img src=x onerror=alert(2)&gt; Hostile")


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, archive_kind: str, request: pytest.FixtureRequest
) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("web")
    site = SiteServer(DEMO_SITE).start()
    archive = archive_url(request, archive_kind, f"web_{archive_kind}")
    labscope = Labscope(folder / "config.toml", folder / "labscope.db", archive)
    site.set_page(HOSTILE, _hostile_page())
    labscope.write_config(
        source("site", "listing", site.url("/news/index.html"), ARTICLES)
        + source("hostile", "page", site.url(HOSTILE))
    )
    assert labscope("crawl").code == 0
    site.set_page(DEEPSEEK, (FIXTURES / "edited" / "deepseek-emerges-v2.html").read_bytes())
    assert labscope("crawl", "--source", "site", "--json").json()["new_versions"] == 1
    with serving(labscope) as url:
        yield Served(url, labscope, site)
    site.stop()


@contextmanager
def serving(labscope: Labscope) -> Iterator[str]:
    """`labscope serve --port 0` on `labscope`'s archive, in a child process; yields its URL."""
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "--config", str(labscope.config), "serve", "--port", "0"],
        cwd=labscope.config.parent,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stderr is not None
    line = server.stderr.readline()
    found = re.search(r"http://127\.0\.0\.1:\d+", line)
    assert found, line + server.stderr.read()
    try:
        yield found.group(0)
    finally:
        server.terminate()
        server.wait(timeout=20)
        server.stderr.close()


def deepseek_id(served: Served) -> int:
    rows = served.api("/api/articles")
    (row,) = [r for r in rows if r["url"].endswith(DEEPSEEK)]
    return int(row["id"])


def test_the_api_answers_what_the_cli_prints(served: Served) -> None:
    cli = served.labscope
    article = deepseek_id(served)
    same = [
        ("/api/articles", ["articles"]),
        ("/api/articles?sort=first_seen&entity=" + quote("月之暗面"),
         ["articles", "--entity", "月之暗面", "--sort", "first_seen"]),
        ("/api/search?q=%22venture%20capital%22", ["search", '"venture capital"']),
        ("/api/search?q=" + quote(f'"{EDIT["removed"][0]}"') + "&all_versions=true",
         ["search", f'"{EDIT["removed"][0]}"', "--all-versions"]),
        ("/api/entities?type=lab", ["entities", "--type", "lab"]),
        ("/api/runs", ["runs"]),
        ("/api/sources", ["sources"]),
        (f"/api/articles/{article}", ["show", str(article)]),
        (f"/api/articles/{article}?version=1", ["show", str(article), "--version", "1"]),
    ]  # fmt: skip
    for path, args in same:
        expected = cli(*args, "--json").json()
        assert served.api(path) == expected, path
        assert expected, f"{path}: an empty answer proves nothing"
    diff = cli("diff", str(article), "--format", "json").json()
    assert served.api(f"/api/articles/{article}/diff") == diff
    assert diff["added"] == EDIT["added"] and diff["removed"] == EDIT["removed"]
    digest = cli("digest", "--since", "7d", "--format", "json").json()
    api_digest = served.api("/api/digest?since=7d")
    for key in ("new_articles", "edited_articles", "new_entities", "removed_articles"):
        assert api_digest[key] == digest[key], key
    stats = served.api("/api/stats")
    assert stats["articles"] == 7 and stats["versions"] == 8


def test_the_api_describes_itself_and_answers_errors_in_one_line(served: Served) -> None:
    schema = served.api("/openapi.json")
    paths = set(schema["paths"])
    assert {"/api/articles", "/api/articles/{article_id}", "/api/articles/{article_id}/diff",
            "/api/search", "/api/entities", "/api/entities/{name}", "/api/digest", "/api/runs",
            "/api/sources", "/api/stats"} <= paths  # fmt: skip
    assert not {p for p in paths if not p.startswith("/api/")}  # the pages are not API
    for path, status, message in [
        ("/api/articles/999", 404, "no article '999' is stored"),
        ("/api/search?q=%22open", 400, "unbalanced quote"),
        ("/api/articles?since=someday", 400, "since: 'someday' is not a date"),
        ("/api/digest?since=2030-01-01", 400, "since must be before until"),
        ("/api/articles/1/diff?from=1&to=9", 404, "article 1 has no version 9"),
        ("/api/entities/Nobody%20Known", 404, "no entity 'Nobody Known' is stored"),
    ]:
        code, headers, body = served.get(path)
        assert (code, json.loads(body)["detail"][: len(message)]) == (status, message), path
        assert headers["content-type"] == "application/json"
    code, _, body = served.get("/api/articles?limit=0")
    assert code == 422 and json.loads(body)["detail"][0]["loc"] == ["query", "limit"]


def test_the_digest_page_leads_to_the_edit_and_its_redline(served: Served) -> None:
    home = served.page("/")
    (edited,) = home.xpath("//section[@id='edited']//div[@class='title']/a")
    assert "DeepSeek" in edited.text_content()
    link = edited.get("href").split("#")[0]
    assert link.endswith("?from=1&to=2")
    assert len(home.xpath("//section[@id='new']/article")) == 7
    assert "StepFun" in home.xpath("//section[@id='entities']")[0].text_content()

    for view in ("inline", "side"):
        page = served.page(link + f"&view={view}")
        added = " ".join(page.xpath("//*[contains(@class, 's-added')]//ins/text()"))
        removed = " ".join(page.xpath("//*[contains(@class, 's-removed')]//del/text()"))
        for sentence in EDIT["added"]:
            assert sentence in added, (view, sentence)
        for sentence in EDIT["removed"]:
            assert sentence in removed, (view, sentence)
        words = page.xpath("//*[contains(@class, 's-edited')]//ins/text()")
        assert "building" in " ".join(words)  # the reworded sentence has word-level marks
        chips = page.xpath("//section[@id='changes']//a[contains(@class, 'chip added')]/text()")
        assert set(EDIT["new_entities"]) <= set(chips)
    timeline = page.xpath("//section[@id='timeline']//tbody/tr")
    assert len(timeline) == 2 and "Correction" in timeline[1].text_content()


def test_the_digest_page_shows_the_newest_items_and_counts_them_all(served: Served) -> None:
    db = open_database(served.labscope.url)
    with db.reading() as session:
        week = summarize_digest(
            session, datetime.now(UTC) - timedelta(days=7), datetime.now(UTC), 2
        )
    db.close()
    assert (len(week.new_articles), week.new_total) == (2, 7)
    assert week.new_articles[0].seen >= week.new_articles[1].seen
    (edit,) = week.edited
    assert (edit.kind, edit.from_version, edit.to_version) == ("correction", 1, 2)
    assert (edit.sentences_added, edit.sentences_removed) == (len(EDIT["added"]), 1)
    assert set(EDIT["new_entities"]) <= set(edit.entities_added) and edit.title_changed
    counts = served.page("/").xpath("//p[@class='counts']")[0].text_content()
    assert counts.startswith("7 new articles · 1 edited")


def test_entity_search_and_sources_pages(served: Served) -> None:
    entity = served.page("/entities/" + quote("月之暗面"))  # an alias finds the entity
    assert entity.xpath("//h1")[0].text_content().startswith("Moonshot AI")
    assert "Moonshot Technology" in entity.xpath("//dl")[0].text_content()
    assert entity.xpath("//section[@id='mentions']//tbody/tr")
    found = served.page("/search?q=" + quote("深度求索"))
    (hit,) = found.xpath("//article")
    assert hit.xpath(".//mark/text()") == ["深度求索"]
    removed = quote(f'"{EDIT["removed"][0]}"')
    title = EDIT["title"]["new"]  # the hostile page, a copy of the first version, has it too

    def hits(query: str) -> dict[str, str]:
        results = served.page(f"/search?q={query}").xpath("//article")
        return {
            hit.xpath(".//a")[0].text_content(): hit.xpath(".//div[@class='meta']")[0]
            .text_content()
            .split(" · ")[-1]
            .strip()
            for hit in results
        }

    assert title not in hits(removed)
    assert hits(f"{removed}&all_versions=1")[title] == "found in v1"
    sources = served.page("/sources")
    health = [row.xpath("./td")[1].text_content() for row in sources.xpath("//table[1]//tbody/tr")]
    assert health == ["ok", "ok"]
    # The second run's pages were mostly 304s: "unchanged" already counts them, once.
    cells = [row.xpath("./td") for row in sources.xpath("//table[2]//tbody/tr")]
    columns = [[int(cell.text_content()) for cell in row[4:9]] for row in cells]
    assert all(unchanged <= fetched for fetched, _, _, unchanged, _ in columns), columns
    assert any(unchanged for *_, unchanged, _ in columns)
    listed = served.page("/articles?edited=1")
    assert [a.text_content() for a in listed.xpath("//tbody//td[1]/a")] == [EDIT["title"]["new"]]


def test_errors_are_pages_with_one_line(served: Served) -> None:
    for path, status, message in [
        ("/articles/999", 404, "no article '999' is stored"),
        ("/articles/0", 400, "article_id:"),
        ("/search?q=NOT%20Kimi", 400, "NOT needs something before it"),
        ("/?since=whenever", 400, "since: 'whenever' is not a date"),
        ("/no/such/page", 404, "no such page"),
    ]:
        page = served.page(path, status)
        assert page.xpath("//p[@role='alert']")[0].text_content().startswith(message), path


def test_hostile_article_content_is_inert(served: Served) -> None:
    rows = served.api("/api/articles?source=hostile")
    (row,) = rows
    assert IMG in row["title"]  # stored as scraped
    paths = [
        "/",
        f"/articles/{row['id']}",
        "/articles",
        "/search?q=Readers",
        "/entities/DeepSeek",
    ]
    for path in paths:
        code, headers, body = served.get(path)
        assert code == 200, path
        assert "script-src" not in headers["content-security-policy"]  # default-src 'none'
        page = lxml_html.fromstring(body)
        assert not page.xpath("//script | //iframe | //object | //embed"), path
        assert not page.xpath("//@*[starts-with(name(), 'on')]"), path
        links = page.xpath("//@href | //@src | //@action")
        assert all(not link.strip().lower().startswith("javascript") for link in links), path
        assert not page.xpath("//img"), path
    article = served.page(f"/articles/{row['id']}")
    assert SCRIPT in article.xpath("//section[@id='text']")[0].text_content()
    assert IMG in article.xpath("//h1")[0].text_content()


def test_serve_refuses_a_busy_port(served: Served) -> None:
    port = served.url.rsplit(":", 1)[1]
    result = served.labscope("serve", "--port", port, timeout=60)
    assert result.code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "pick another with --port" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")
def test_a_browser_follows_the_digest_to_the_diff(served: Served) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(served.url + "/")
            page.locator("#edited .title a").first.click()
            page.wait_for_url(re.compile(r"/articles/\d+\?from=1&to=2#changes$"))
            added = page.locator(".diff .s-added ins").all_inner_texts()
            removed = page.locator(".diff .s-removed del").all_inner_texts()
            assert all(any(s in shown for shown in added) for s in EDIT["added"])
            assert all(any(s in shown for shown in removed) for s in EDIT["removed"])
            # Inserted text is drawn green and deleted text struck through, as a reader sees it.
            ins_style = page.locator(".diff .s-added ins").first.evaluate(
                "e => getComputedStyle(e).backgroundColor"
            )
            del_style = page.locator(".diff .s-removed del").first.evaluate(
                "e => getComputedStyle(e).textDecorationLine"
            )
            assert ins_style == "rgb(211, 245, 219)" and "line-through" in del_style
            page.get_by_role("link", name="Side by side").click()
            assert page.locator("table.diff.side tr.s-added td.new").count() == len(EDIT["added"])
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "diff-page.png"), full_page=True)
        finally:
            browser.close()
    assert (ARTIFACTS / "diff-page.png").stat().st_size > 10_000


def test_the_api_never_fails_on_generated_requests(served: Served) -> None:
    """schemathesis generates requests for every operation from the OpenAPI description: no
    server error, and every answer matches what the description promises (status, content
    type, schema). Not checked: that every schema-valid request is accepted, since a search
    query or a date has a grammar the description cannot state; those answer 400, documented.

    The operations are driven with hypothesis directly: schemathesis' pytest loader for
    fixtures breaks on pytest 9 (it reads the removed `Item._nodeid`).
    """
    schema = schemathesis.openapi.from_url(served.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 12  # with /api/stories and /api/stories/{id}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case: Any) -> None:
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        call()


def test_no_link_or_redirect_is_built_from_the_request_host_headers(served: Served) -> None:
    """Absolute URLs come from configuration only: a forged Host or X-Forwarded-* header (cache
    poisoning, password-reset style link hijack) must not reach a page, an answer or a redirect."""
    forged = {
        "Host": "evil.example",
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Prefix": "/evil.example",
        "Forwarded": "host=evil.example;proto=https",
    }
    article = deepseek_id(served)
    paths = ["/", f"/articles/{article}", f"/articles/{article}/diff", "/entities", "/search?q=AI"]
    paths += ["/api/articles", "/api/articles/", "/api/stats", "/openapi.json", "/docs", "/nope"]
    paths += ["//evil.example/api/articles/"]  # a redirect to "//evil.example/..." leaves the site
    opener = urllib.request.build_opener(NoRedirect)
    for path in paths:
        request = urllib.request.Request(served.url + path, headers=forged)
        try:
            with opener.open(request, timeout=30) as response:
                headers, body = str(response.headers), response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            headers, body = str(error.headers), error.read().decode("utf-8")
        assert "evil.example" not in headers + body, path
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(served.url + "/api/articles/", timeout=30)
    redirect.value.close()
    assert redirect.value.code == 307 and redirect.value.headers["location"] == "/api/articles"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Shows a redirect's own answer, so its Location header is checked, not followed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_the_api_refuses_oversized_searches_with_the_limit(served: Served) -> None:
    """Thousands of parentheses were a RecursionError (HTTP 500); a 100 kB query and a 3,000-term
    OR query were accepted and cost seconds a request."""
    for query, message in [
        (
            "(" * 400 + "a" + ")" * 400,
            "the search query nests parentheses 400 deep; the limit is 16",
        ),
        ("a" * 100_000, "the search query is 100000 characters long; the limit is 1000"),
        (" OR ".join(f"w{i}" for i in range(3000)), "the search query is 25886 characters long"),
        (
            " OR ".join(f"w{i}" for i in range(100)),
            "the search query has 100 terms; the limit is 64",
        ),
    ]:
        code, _, body = served.get("/api/search?q=" + quote(query))
        assert (code, json.loads(body)["detail"][: len(message)]) == (400, message)


BASE = "https://labscope.example.org/lab"


def test_digests_and_the_atom_feed_link_each_edit_to_labscopes_diff(
    site: SiteServer, labscope: Labscope
) -> None:
    """[digest] base_url: every digest format links the edit to the web app's diff page beside
    the live article; `serve` has the digest as Atom at /digest.atom, its links from config."""
    config = source("deepseek", "page", site.url(DEEPSEEK))
    labscope.write_config(config)
    assert labscope("crawl").code == 0
    site.set_page(DEEPSEEK, (FIXTURES / "edited" / "deepseek-emerges-v2.html").read_bytes())
    assert labscope("crawl", "--json").json()["new_versions"] == 1
    assert "/articles/" not in labscope("digest").stdout  # no base_url: no link to guess
    labscope.write_config(f'[digest]\nbase_url = "{BASE}/"\n\n' + config)
    (edit,) = labscope("digest", "--json").json()["edited_articles"]
    diff = f"{BASE}/articles/{edit['id']}?from=1&to=2#changes"
    assert edit["diff_url"] == diff and edit["url"] == site.url(DEEPSEEK)
    assert f"Diff: {diff}" in labscope("digest").stdout
    assert f"[diff]({diff})" in labscope("digest", "--format", "md").stdout
    html = lxml_html.fromstring(labscope("digest", "--format", "html").stdout)
    assert diff in html.xpath("//a/@href") and site.url(DEEPSEEK) in html.xpath("//a/@href")
    with serving(labscope) as url:
        served = Served(url, labscope, site)
        status, headers, body = served.get("/digest.atom?hours=2")
        assert status == 200 and headers["content-type"].startswith("application/atom+xml")
        page = served.page(diff.removeprefix(BASE).split("#")[0])  # the link leads to the diff
        request = urllib.request.Request(url + "/digest.atom", headers={"Host": "evil.example"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert b"evil.example" not in response.read()
    feed = etree.fromstring(body.encode())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert feed.xpath("a:link[@rel='self']/@href", namespaces=ns) == [f"{BASE}/digest.atom"]
    (entry,) = [
        e
        for e in feed.xpath("a:entry", namespaces=ns)
        if "/v1-v2" in e.findtext("a:id", namespaces=ns)
    ]
    assert entry.xpath("a:link[@rel='related']/@href", namespaces=ns) == [diff]
    assert entry.xpath("a:link[@rel='alternate']/@href", namespaces=ns) == [site.url(DEEPSEEK)]
    assert page.xpath("//section[@id='changes']")
    labscope.write_config('[digest]\nbase_url = "ftp://labscope.example.org"\n\n' + config)
    refused = labscope("digest")
    assert refused.code == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "base_url" in refused.stderr and "http(s)" in refused.stderr
