"""Real crawls of the fixture site on 127.0.0.1 through the real CLI, checked in the SQLite file."""

from __future__ import annotations

import itertools
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, Labscope, many_articles, source
from test_web import Served, serving

from crawler.site_server import Page, SiteServer

DEEPSEEK = "/news/2025/deepseek-emerges.html"
ARTICLE_PATHS = r"/(news|private)/20\d\d/[\w-]+(\.gbk)?\.html"
EXPECTED = json.loads((FIXTURES / "deepseek-emerges.expected.json").read_text(encoding="utf-8"))


def all_discovery_sources(site: SiteServer) -> str:
    return (
        source("listing", "listing", site.url("/news/index.html"), ARTICLE_PATHS)
        + source("rss", "feed", site.url("/feed.xml"))
        + source("news-sitemap", "sitemap", site.url("/news-sitemap.xml"))
    )


def article_hits(site: SiteServer) -> list[str]:
    return [hit.path for hit in site.requests if hit.path.startswith(("/news/20", "/private/"))]


def test_first_crawl_stores_every_article_once_without_boilerplate(
    site: SiteServer, labscope: Labscope
) -> None:
    labscope.write_config(all_discovery_sources(site))
    run = labscope("crawl", "--json")
    assert run.code == 0, run.stderr
    summary = run.json()
    assert (summary["new_articles"], summary["new_versions"], summary["failed"]) == (6, 6, 0)
    assert summary["skipped"] == 1  # the robots.txt-disallowed /private/ article

    listed = labscope("articles", "--json").json()
    assert len(listed) == 6
    assert {a["url"] for a in listed} >= {site.url(DEEPSEEK)}
    assert set(listed[0]) == {
        "id",
        "url",
        "title",
        "source",
        "published",
        "first_seen",
        "last_checked",
        "versions",
        "language",
        "removed",
    }

    shown = labscope("show", site.url(DEEPSEEK), "--json").json()
    assert shown["title"] == EXPECTED["title"]
    assert shown["published"].startswith(EXPECTED["published"])
    assert shown["language"] == "en"
    for paragraph in EXPECTED["text_paragraphs"]:
        assert paragraph in shown["text"]
    for chrome in EXPECTED["must_not_contain"]:
        assert chrome not in shown["text"]
    assert [v["number"] for v in shown["versions"]] == [1]
    with sqlite3.connect(labscope.db) as connection:  # the crawl gave the planner statistics
        assert connection.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'versions'").fetchone()


def test_robots_txt_disallowed_urls_are_never_fetched(site: SiteServer, labscope: Labscope) -> None:
    labscope.write_config(source("listing", "listing", site.url("/news/index.html"), ARTICLE_PATHS))
    assert labscope("crawl").code == 0
    assert not [path for path in article_hits(site) if path.startswith("/private/")]
    assert "/robots.txt" in [hit.path for hit in site.requests]


def test_gbk_page_is_decoded(site: SiteServer, labscope: Labscope) -> None:
    labscope.write_config(source("zh", "page", site.url("/news/2025/baidu-ernie.gbk.html")))
    assert labscope("crawl").code == 0
    shown = labscope("show", site.url("/news/2025/baidu-ernie.gbk.html"), "--json").json()
    assert "文心" in shown["title"]
    assert "月之暗面" in shown["text"] and "深度求索" in shown["text"]
    assert "\ufffd" not in shown["text"]
    assert shown["language"] == "zh"


def test_recrawl_of_unchanged_pages_is_conditional_and_stores_nothing(
    site: SiteServer, labscope: Labscope
) -> None:
    labscope.write_config(all_discovery_sources(site))
    assert labscope("crawl").code == 0
    first_run_hits = len(site.requests)

    second = labscope("crawl", "--json").json()
    assert (second["new_articles"], second["new_versions"], second["failed"]) == (0, 0, 0)
    assert second["unchanged"] == second["fetched"] == 6
    assert second["not_modified"] == 6
    revisits = [h for h in site.requests[first_run_hits:] if h.path.startswith("/news/20")]
    assert revisits and all("if-none-match" in h.headers for h in revisits)
    assert all("if-modified-since" in h.headers for h in revisits)
    # The checks are written in batches: every article's "last checked" moved all the same.
    with sqlite3.connect(labscope.db) as db:
        runs = db.execute("SELECT started FROM crawl_runs ORDER BY id").fetchall()
        checked = db.execute("SELECT last_checked FROM articles").fetchall()
    assert len(checked) == 6 and all(when >= runs[1][0] for (when,) in checked)


def test_identical_html_without_validators_is_unchanged(
    site: SiteServer, labscope: Labscope
) -> None:
    """A server that ignores validators still costs no extraction and no version."""
    body = (site.root / DEEPSEEK.lstrip("/")).read_bytes()
    site.set_page("/plain.html", body, validators=False)
    labscope.write_config(source("plain", "page", site.url("/plain.html")))
    assert labscope("crawl").code == 0
    second = labscope("crawl", "--json").json()
    assert (second["new_versions"], second["unchanged"], second["not_modified"]) == (0, 1, 0)
    assert "if-none-match" not in site.requests[-1].headers


def test_edited_page_becomes_version_2(site: SiteServer, labscope: Labscope) -> None:
    labscope.write_config(source("deepseek", "page", site.url(DEEPSEEK)))
    assert labscope("crawl").code == 0
    edited = (FIXTURES / "edited" / "deepseek-emerges-v2.html").read_bytes()
    site.set_page(DEEPSEEK, edited)

    run = labscope("crawl", "--json").json()
    assert (run["new_articles"], run["new_versions"]) == (0, 1)
    expected = json.loads(
        (FIXTURES / "edited" / "deepseek-emerges-v2.expected.json").read_text(encoding="utf-8")
    )
    shown = labscope("show", site.url(DEEPSEEK), "--json").json()
    assert [v["title"] for v in shown["versions"]] == [
        expected["title"]["old"],
        expected["title"]["new"],
    ]
    assert expected["reworded"]["new"] in shown["text"]
    first = labscope("show", site.url(DEEPSEEK), "--version", "1", "--json").json()
    assert expected["reworded"]["old"] in first["text"]

    assert labscope("crawl", "--json").json()["new_versions"] == 0


def test_cosmetic_changes_make_no_new_version(site: SiteServer, labscope: Labscope) -> None:
    labscope.write_config(source("deepseek", "page", site.url(DEEPSEEK)))
    assert labscope("crawl").code == 0
    site.set_page(DEEPSEEK, (FIXTURES / "edited" / "deepseek-emerges-cosmetic.html").read_bytes())
    run = labscope("crawl", "--json").json()
    assert (run["new_versions"], run["unchanged"]) == (0, 1)


def test_tracking_parameters_and_canonical_links_collapse_into_one_article(
    site: SiteServer, labscope: Labscope
) -> None:
    site.set_page(
        "/amp/deepseek.html", (FIXTURES / "duplicates" / "deepseek-amp.html").read_bytes()
    )
    labscope.write_config(
        source("tracked", "page", site.url(DEEPSEEK + "?utm_source=x&utm_medium=y#top"))
        + source("amp", "page", site.url("/amp/deepseek.html"))
        + source("plain", "page", site.url(DEEPSEEK))
    )
    run = labscope("crawl", "--json").json()
    assert run["new_articles"] == 1 and run["failed"] == 0
    listed = labscope("articles", "--json").json()
    assert [a["url"] for a in listed] == [site.url(DEEPSEEK)]
    # the AMP URL finds the article it belongs to
    assert (
        labscope("show", site.url("/amp/deepseek.html"), "--json").json()["id"] == listed[0]["id"]
    )


def test_bad_pages_are_counted_and_the_crawl_goes_on(site: SiteServer, labscope: Labscope) -> None:
    broken = FIXTURES / "broken"
    site.set_page("/bad/500.html", b"<h1>oops</h1>", status=500)
    site.set_page("/bad/slow.html", (site.root / DEEPSEEK.lstrip("/")).read_bytes(), delay=3)
    site.set_page("/bad/garbage.html", (broken / "garbage.html").read_bytes())
    site.set_page("/bad/empty.html", (broken / "empty.html").read_bytes())
    site.set_page("/bad/listing.html", (broken / "listing-like.html").read_bytes())
    site.set_page("/bad/file.html", b"%PDF-1.4 \x00\x01binary", content_type="application/pdf")
    links = [
        "/bad/404.html",
        "/bad/500.html",
        "/bad/slow.html",
        "/bad/garbage.html",
        "/bad/empty.html",
        "/bad/listing.html",
        "/bad/file.html",
        DEEPSEEK,
    ]
    anchors = "".join(
        f'<li><a href="{link}">Story number {i} headline</a></li>' for i, link in enumerate(links)
    )
    site.set_page("/bad/index.html", f"<html><body><ul>{anchors}</ul></body></html>".encode())
    labscope.write_config(
        source("mixed", "listing", site.url("/bad/index.html"), r"/(bad|news)/"),
        crawl="delay = 0\ntimeout = 1",
    )
    run = labscope("crawl", "--json")
    assert run.code == 0, run.stderr
    summary = run.json()
    assert summary["new_articles"] == 1
    assert summary["failed"] == 7
    reasons = {e["url"].rsplit("/", 1)[-1]: e["reason"] for e in summary["errors"]}
    assert reasons["404.html"] == "HTTP 404"
    assert reasons["500.html"] == "HTTP 500"
    assert "timeout" in reasons["slow.html"].lower() or "timed out" in reasons["slow.html"].lower()
    assert reasons["listing.html"].startswith("page looks like a list of links")
    assert reasons["file.html"] == "not an HTML page (application/pdf)"
    assert "Traceback" not in run.stderr

    with sqlite3.connect(labscope.db) as conn:
        assert conn.execute("select count(*) from versions").fetchone()[0] == 1
        runs = conn.execute("select status, failed, errors from crawl_runs").fetchall()
    assert runs[0][0] == "finished" and runs[0][1] == 7
    assert len(json.loads(runs[0][2])) == 7


def test_feeds_sitemaps_and_broken_feeds(site: SiteServer, labscope: Labscope) -> None:
    broken = FIXTURES / "broken"
    site.set_page("/malformed.xml", (broken / "malformed-feed.xml").read_bytes(), "application/xml")
    site.set_page("/not-a-feed.html", (broken / "not-a-feed.html").read_bytes())
    site.set_page("/bomb.xml", (broken / "billion-laughs.xml").read_bytes(), "application/xml")
    labscope.write_config(
        source("atom", "feed", site.url("/atom.xml"))
        + source("json", "feed", site.url("/feed.json"))
        + source("index", "sitemap", site.url("/sitemap-index.xml"))
        + source("malformed", "feed", site.url("/malformed.xml"))
        + source("not-a-feed", "feed", site.url("/not-a-feed.html"))
        + source("bomb", "feed", site.url("/bomb.xml"))
    )
    run = labscope("crawl", "--json")
    assert run.code == 0, run.stderr
    summary = run.json()
    failed_urls = {e["url"] for e in summary["errors"]}
    # The HTML page links the site's feed: followed, and said so in the run's notes.
    assert site.url("/not-a-feed.html") not in failed_urls
    assert f"followed the feed the page links to, {site.url('/feed.xml')}" in run.stdout
    assert site.url("/malformed.xml") not in failed_urls
    stored = {a["url"] for a in labscope("articles", "--json").json()}
    assert site.url(DEEPSEEK) in stored  # listed by the malformed feed
    # the gzip sitemap behind the index lists articles the feeds do not
    assert len(stored) == 6


def test_crawl_delay_from_robots_txt_is_honoured(site: SiteServer, labscope: Labscope) -> None:
    site.set_page("/robots.txt", b"User-agent: *\nCrawl-delay: 1\n", "text/plain")
    labscope.write_config(source("listing", "listing", site.url("/news/index.html"), ARTICLE_PATHS))
    assert labscope("crawl").code == 0
    times = [h.at for h in site.requests if h.path.startswith(("/news/", "/private/"))]
    assert len(times) >= 4
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # Without the floor the gaps are milliseconds; a busy machine can delay one request's
    # arrival more than the next one's (a loaded run once failed a 0.8 s bound on every gap),
    # hence the margin on each gap and the tighter bound on their mean.
    assert min(gaps) >= 0.5, gaps
    assert sum(gaps) / len(gaps) >= 0.9, gaps


def test_pages_over_max_page_bytes_are_refused(site: SiteServer, labscope: Labscope) -> None:
    labscope.write_config(
        source("deepseek", "page", site.url(DEEPSEEK)),
        crawl="delay = 0\ntimeout = 5\nmax_page_bytes = 4096",
    )
    summary = labscope("crawl", "--json").json()
    assert summary["failed"] == 1 and summary["new_articles"] == 0
    assert summary["errors"][0]["reason"] == "larger than max_page_bytes (4096 bytes)"


def test_worker_processes_store_what_in_process_extraction_stores(
    site: SiteServer, tmp_path: Path
) -> None:
    """The same crawl with extraction in two worker processes and in the crawl process."""
    exported = []
    for workers in (2, 0):
        labscope = Labscope(tmp_path / f"{workers}.toml", tmp_path / f"{workers}.db")
        labscope.write_config(
            source("listing", "listing", site.url("/news/index.html"), ARTICLE_PATHS),
            crawl=f"delay = 0\ntimeout = 5\nworkers = {workers}",
        )
        result = labscope("-v", "crawl", "--json")
        assert result.code == 0, result.stderr
        assert ("started 2 extraction workers" in result.stderr) == (workers == 2)
        records = [json.loads(line) for line in labscope("export").stdout.splitlines()]
        for record in records:
            for moment in ("id", "fetched_at", "first_seen", "last_checked"):  # arrival order
                del record[moment]
        exported.append(sorted(records, key=lambda r: r["url"]))
    assert len(exported[0]) == 6 and exported[0] == exported[1]


WORKER_PROBE = """
import sqlalchemy  # as the CLI, the main module of a real crawl, does

from crawler.workers import Extractor

if __name__ == "__main__":
    pool = Extractor((), workers=2)._new_pool()
    probe = "sorted(m for m in __import__('sys').modules if m.startswith('sqlalchemy'))"
    print([pool.submit(eval, probe).result() for _ in range(4)])
    pool.shutdown()
"""


def test_extraction_workers_do_not_load_the_database_stack(tmp_path: Path) -> None:
    """A worker imports what extraction needs and no more: neither the database stack (19 MB)
    through its own imports, nor the crawl process's main module (the CLI, 38 MB), which spawned
    processes re-import unless told not to."""
    code = "import sys, crawler.workers; print(sorted(m for m in sys.modules if 'sqlalchemy' in m))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    probe = tmp_path / "probe.py"
    probe.write_text(WORKER_PROBE, "utf-8")
    done = subprocess.run([sys.executable, probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[[], [], [], []]"


def test_a_robots_txt_that_errs_disallows_everything_until_it_answers(
    site: SiteServer, labscope: Labscope
) -> None:
    """RFC 9309: 5xx (or no answer) means disallow all; Scrapy alone read the error page."""
    site.set_page("/robots.txt", b"<h1>Service Unavailable</h1>", "text/html", status=503)
    labscope.write_config(source("deepseek", "page", site.url(DEEPSEEK)))
    result = labscope("-v", "crawl", "--json")
    summary = json.loads(result.stdout)
    assert (summary["failed"], summary["skipped"], summary["new_articles"]) == (1, 0, 0)
    assert "robots.txt unavailable (HTTP 503): disallowed until it answers" in result.stderr
    assert DEEPSEEK not in [hit.path for hit in site.requests]
    site.set_page("/robots.txt", b"User-agent: *\nAllow: /\n", "text/plain")
    assert labscope("crawl", "--json").json()["new_articles"] == 1


def test_a_robots_txt_that_never_answers_disallows_everything(
    site: SiteServer, labscope: Labscope
) -> None:
    site.set_page("/robots.txt", b"User-agent: *\nAllow: /\n", "text/plain", delay=3)
    labscope.write_config(source("deepseek", "page", site.url(DEEPSEEK)), "delay = 0\ntimeout = 1")
    result = labscope("-v", "crawl", "--json")
    assert json.loads(result.stdout)["failed"] == 1  # the site is down: a failure, not a skip
    assert "robots.txt unavailable (no answer: no answer within the timeout)" in result.stderr
    assert DEEPSEEK not in [hit.path for hit in site.requests]


def test_a_redirect_to_another_scheme_is_refused(
    site: SiteServer, labscope: Labscope, tmp_path: Path
) -> None:
    """A page must never make the crawler read a local file (or FTP, S3, data: URLs)."""
    local = tmp_path / "secret.html"
    local.write_bytes((site.root / DEEPSEEK.lstrip("/")).read_bytes())
    site.overrides["/moved.html"] = Page(b"", "text/html", 302, {"Location": local.as_uri()})
    labscope.write_config(source("moved", "page", site.url("/moved.html")))
    result = labscope("-v", "crawl", "--json")
    summary = json.loads(result.stdout)
    assert (summary["new_articles"], summary["skipped"]) == (0, 1)
    assert f"redirect to a non-http(s) URL refused: {local.as_uri()}" in result.stderr


def test_a_redirected_article_is_rechecked_with_a_conditional_request(
    site: SiteServer, labscope: Labscope
) -> None:
    """Feeds often link through a redirect: the validators are kept under the linked URL, so
    the next crawl's request carries them through the redirect and gets a 304."""
    site.set_page("/go/deepseek", b"", status=301, headers={"Location": DEEPSEEK})
    labscope.write_config(source("linked", "page", site.url("/go/deepseek")))
    first = labscope("crawl", "--json").json()
    assert (first["new_articles"], first["failed"]) == (1, 0)
    again = labscope("crawl", "--json").json()
    assert (again["new_versions"], again["not_modified"], again["failed"]) == (0, 1, 0)
    [stored] = labscope("articles", "--json").json()
    assert stored["url"] == site.url(DEEPSEEK)  # the article is the page, not the link


def test_a_sitemap_index_diamond_fetches_each_sitemap_once(
    site: SiteServer, labscope: Labscope
) -> None:
    """20 indexes that each list all 20 cost 7,241 requests for 21 distinct URLs."""
    indexes = [f"/diamond/index-{i}.xml" for i in range(20)]
    entries = "".join(f"<sitemap><loc>{site.url(path)}</loc></sitemap>" for path in indexes)
    entries += f"<sitemap><loc>{site.url('/diamond/urls.xml')}</loc></sitemap>"
    index = f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}'
    for path in ["/diamond/root.xml", *indexes]:
        site.set_page(path, (index + "</sitemapindex>").encode(), "application/xml")
    urlset = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    urlset += f"<url><loc>{site.url(DEEPSEEK)}</loc></url></urlset>"
    site.set_page("/diamond/urls.xml", urlset.encode(), "application/xml")
    labscope.write_config(source("diamond", "sitemap", site.url("/diamond/root.xml")))
    run = labscope("crawl", "--json")
    assert run.code == 0 and run.json()["new_articles"] == 1, run.stderr
    sitemap_hits = [hit.path for hit in site.requests if hit.path.startswith("/diamond/")]
    assert sorted(sitemap_hits) == sorted({*sitemap_hits}) and len(sitemap_hits) == 22


def test_only_the_first_500_kib_of_robots_txt_are_read(
    site: SiteServer, labscope: Labscope
) -> None:
    """RFC 9309 lets a crawler stop at 500 KiB; a 9 MB robots.txt took the crawl to 595 MB. A rule
    after the first 500 KiB is not read: the article it would disallow is fetched."""
    padding = b"# padding to push the next rule past 500 KiB\n" * 12_000
    site.set_page("/robots.txt", b"User-agent: *\n" + padding + b"Disallow: /news/\n", "text/plain")
    labscope.write_config(source("one", "page", site.url(DEEPSEEK)))
    run = labscope("crawl", "--json")
    assert run.code == 0 and run.json()["new_articles"] == 1, run.stdout


def test_max_articles_leaves_the_rest_for_the_next_run(
    site: SiteServer, labscope: Labscope
) -> None:
    """A listing of 8 links, a cap of 5 (the source's own, over [crawl]'s): 5 now, 3 next run."""
    listing = many_articles(site, 8)
    capped = source("many", "listing", listing, r"/many/story-") + "max_articles = 5\n"
    labscope.write_config(capped, "delay = 0\ntimeout = 5\nworkers = 0\nmax_articles = 100")
    note = "3 article URLs left for the next run (max_articles = 5)"
    left = {"url": listing, "note": note, "source": "many"}

    first = labscope("crawl", "--json").json()
    assert first["new_articles"] == 5
    assert [note for note in first["notes"] if note["url"] == listing] == [left]
    fetched = {hit.path for hit in site.requests if hit.path.startswith("/many/story-")}
    assert len(fetched) == 5

    second = labscope("crawl", "--json").json()
    assert second["new_articles"] == 3  # the 3 left over come first, then 2 of the known
    stories = [hit.path for hit in site.requests if hit.path.startswith("/many/story-")]
    assert set(stories) == {f"/many/story-{i}.html" for i in range(8)}
    assert len(stories) == 10
    assert "3 article URLs left for the next run" in second["notes"][0]["note"]
    listed = labscope("articles", "--json").json()
    assert len(listed) == 8


def test_an_article_found_by_several_sources_counts_for_each(
    site: SiteServer, labscope: Labscope
) -> None:
    """The listing, the feed and the sitemap list overlapping articles, each fetched once: every
    source is credited with the articles it listed, in `sources`, `articles --source` and the
    /sources page, and a recrawl credits none twice."""
    labscope.write_config(all_discovery_sources(site))
    assert labscope("crawl").code == 0
    expected = {"listing": 6, "rss": 4, "news-sitemap": 6}  # 6 articles in all
    for _ in range(2):
        counts = {row["name"]: row["articles"] for row in labscope("sources", "--json").json()}
        assert counts == expected
        for name, count in expected.items():
            assert len(labscope("articles", "--source", name, "--json").json()) == count
        assert labscope("crawl").code == 0
    with sqlite3.connect(labscope.db) as conn:
        assert conn.execute("select count(*) from articles").fetchone() == (6,)
    with serving(labscope) as url:
        page = Served(url, labscope, site).page("/sources")
    rows = {tr.xpath("td[1]")[0].text_content(): tr.xpath("td[3]")[0].text_content().strip()
            for tr in page.xpath("//table[1]/tbody/tr")}  # fmt: skip
    assert rows == {name: str(count) for name, count in expected.items()}
