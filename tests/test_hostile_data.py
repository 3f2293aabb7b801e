"""Hostile data in what a crawl reads (issue 20): impossible dates in feeds, JSON Feeds,
sitemaps and page metadata lose no article; another application's database is not migrated."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from conftest import TEMPLATE, Labscope, source

from crawler.dates import iso_datetime
from crawler.feeds import feed_date
from crawler.site_server import SiteServer

LATE = "9999-12-31T23:59:59-14:00"  # in UTC: the year 10000
EARLY = "0001-01-01T00:00:00+14:00"  # in UTC: the year 0


def test_impossible_dates_are_no_dates() -> None:
    assert iso_datetime(LATE) is None and iso_datetime(EARLY) is None
    assert feed_date("Fri, 31 Dec 9999 23:59:59 -1400") is None
    assert feed_date(LATE) is None
    assert iso_datetime("9999-12-31T23:59:59+00:00") is not None  # the last possible moment


def test_an_impossible_date_in_any_discovery_document_loses_no_article(
    site: SiteServer, labscope: Labscope
) -> None:
    def serve(path: str, old: str, new: str, kind: str) -> None:
        body = (site.root / path.lstrip("/")).read_text(encoding="utf-8")
        assert old in body
        site.set_page(path, body.replace(old, new).encode(), kind)  # in items and channel

    serve("/feed.xml", "Wed, 29 Jan 2025 08:30:00 +0000", "Fri, 31 Dec 9999 23:59:59 -1400",
          "application/rss+xml")  # fmt: skip
    serve("/feed.json", "2025-04-16T10:00:00+00:00", LATE, "application/feed+json")
    serve("/news-sitemap.xml", "2025-01-28T09:00:00+00:00", EARLY, "application/xml")
    page = (site.root / TEMPLATE.lstrip("/")).read_text(encoding="utf-8")
    page = page.replace("2025-01-28T09:00:00+00:00", LATE).replace(TEMPLATE, "/late.html")
    site.set_page("/late.html", page.encode())
    labscope.write_config(
        source("rss", "feed", site.url("/feed.xml"))
        + source("json", "feed", site.url("/feed.json"))
        + source("sitemap", "sitemap", site.url("/news-sitemap.xml"))
        + source("page", "page", site.url("/late.html"))
    )
    dropped = {
        "rss": ("9999-12-31T23:59:59-14:00", "/feed.xml"),
        "json": ("9999-12-31T23:59:59-14:00", "/feed.json"),
        "sitemap": ("0001-01-01T00:00:00+14:00", "/news-sitemap.xml"),
    }
    for name, articles in (("rss", 4), ("json", 2), ("sitemap", 6)):
        alone = labscope("crawl", "--source", name, "--json")
        assert alone.code == 0, alone.stderr
        assert (alone.json()["errors"], alone.json()["fetched"]) == ([], articles), name
        value, path = dropped[name]
        note = f"dropped impossible date {value} (not a moment in UTC between years 1 and 9999)"
        assert {"source": name, "url": site.url(path), "note": note} in alone.json()["notes"]
    run = labscope("crawl", "--json")
    assert run.code == 0, run.stderr
    assert run.json()["errors"] == []
    late = f"dropped impossible date {LATE} (not a moment in UTC between years 1 and 9999)"
    assert {"source": "page", "url": site.url("/late.html"), "note": late} in run.json()["notes"]
    stored = {a["url"].rsplit("/", 1)[-1] for a in labscope("articles", "--json").json()}
    assert len(stored) == 7 and "late.html" in stored  # the six of the site and the page


@pytest.mark.parametrize(
    "command",
    [("articles",), ("stats", "--json"), ("export",), ("crawl",), ("serve", "--port", "0")],
)
def test_a_foreign_database_is_refused_in_one_line_and_left_untouched(
    labscope: Labscope, command: tuple[str, ...]
) -> None:
    with closing(sqlite3.connect(labscope.db)) as other:
        other.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        other.execute("INSERT INTO customers (name) VALUES ('Ada')")
        other.commit()
    before = labscope.db.read_bytes()
    labscope.write_config("")
    result = labscope(*command, timeout=60)
    assert result.code == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"labscope: error: database sqlite:///{labscope.db} is not labscope's (it holds "
        "the tables customers); left untouched: point --db at a labscope database or a new file"
    ]
    assert labscope.db.read_bytes() == before
    assert sorted(p.name for p in labscope.db.parent.iterdir()) == ["config.toml", "labscope.db"]


def test_an_unrecognised_name_flood_is_capped_and_said_in_the_run(
    site: SiteServer, labscope: Labscope
) -> None:
    starts = ["Bra", "Cor", "Dal", "Fen", "Gor", "Hal", "Jun", "Kel", "Lor", "Mer", "Nor", "Pel"]
    ends = ["mor", "vin", "dell", "tar"]
    names = [f"{a}{b} University" for a in starts for b in ends]  # 96 names the KB does not know
    names += [f"{a}{b}ston Institute" for a in starts for b in ends]
    paragraphs = "".join(f"<p>Researchers at {name} published a study.</p>" for name in names)
    page = (site.root / TEMPLATE.lstrip("/")).read_text(encoding="utf-8")
    page = page.replace("<p>", paragraphs + "<p>", 1).replace(TEMPLATE, "/flood.html")
    site.set_page("/flood.html", page.encode())
    labscope.write_config(source("flood", "page", site.url("/flood.html")))
    run = labscope("crawl", "--json")
    assert run.code == 0, run.stderr
    notes = [n["note"] for n in run.json()["notes"]]
    assert any("unrecognised names beyond 50 left out" in note for note in notes), notes
    unrecognised = [e for e in labscope("entities", "--json").json() if not e["known"]]
    assert len(unrecognised) == 50
    digest = labscope("digest", "--format", "json").json()
    assert len([e for e in digest["new_entities"] if not e.get("known", False)]) <= 50
