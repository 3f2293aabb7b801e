"""Stories end to end: three outlets (two English, one Chinese) on 127.0.0.1 report three
events; a real crawl groups each event's reports into one story and leaves apart the stories
that only name the same labs (tests/fixtures/stories/loopback.json)."""

from __future__ import annotations

import html
import json
import sqlite3
from collections import defaultdict
from typing import Any

import pytest
from conftest import FIXTURES, Labscope, source

from crawler.site_server import SiteServer

LOOPBACK = json.loads((FIXTURES / "stories" / "loopback.json").read_text(encoding="utf-8"))


def article_page(article: dict[str, Any], lang: str) -> bytes:
    """A plain news page: title, publication date, language and paragraphs."""
    title = html.escape(article["title"])
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in article["paragraphs"])
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="{article["published"]}"></head>'
        f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode()


def serve_outlets(site: SiteServer) -> str:
    """Each outlet's articles and a listing page linking them; the [[sources]] TOML."""
    links: dict[str, list[str]] = defaultdict(list)
    for article in LOOPBACK["articles"]:
        outlet = article["outlet"]
        path = f"/{outlet}/{article['slug']}.html"
        site.set_page(path, article_page(article, LOOPBACK["outlets"][outlet]["lang"]))
        links[outlet].append(f'<li><a href="{path}">{html.escape(article["title"])}</a></li>')
    sources = ""
    for outlet, items in links.items():
        listing = f"<html><body><ul>{''.join(items)}</ul></body></html>"
        site.set_page(f"/{outlet}/index.html", listing.encode())
        sources += source(outlet, "listing", site.url(f"/{outlet}/index.html"), rf"/{outlet}/\w")
    return sources


@pytest.fixture
def outlets(site: SiteServer, labscope: Labscope) -> Labscope:
    labscope.write_config(serve_outlets(site))
    result = labscope("crawl", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["new_articles"] == len(LOOPBACK["articles"])
    return labscope


def expected_groups(site: SiteServer) -> set[frozenset[str]]:
    events: dict[str, set[str]] = defaultdict(set)
    for article in LOOPBACK["articles"]:
        url = site.url(f"/{article['outlet']}/{article['slug']}.html")
        events[article["event"] or url].add(url)
    return {frozenset(urls) for urls in events.values()}


def stored_groups(labscope: Labscope) -> set[frozenset[str]]:
    with sqlite3.connect(labscope.db) as conn:
        rows = conn.execute(
            "select s.story_id, a.url from story_articles s join articles a on a.id = s.article_id"
        ).fetchall()
    groups: dict[int, set[str]] = defaultdict(set)
    for story, url in rows:
        groups[story].add(url)
    return {frozenset(urls) for urls in groups.values()}


def test_each_event_is_one_story_and_lab_namesakes_stay_apart(
    site: SiteServer, outlets: Labscope
) -> None:
    assert stored_groups(outlets) == expected_groups(site)
    listed = outlets("stories", "--json").json()
    assert {frozenset(a["url"] for a in s["articles"]) for s in listed} == expected_groups(site)
    (r1,) = [s for s in listed if "DeepSeek-R1" in s["entities"] and len(s["articles"]) == 3]
    assert set(r1) == {"id", "title", "first_seen", "first", "articles", "sources"} | {
        "languages",
        "entities",
    }
    assert r1["title"] == "DeepSeek releases DeepSeek-R1, an open reasoning model"  # earliest
    assert r1["first"]["url"] == site.url("/wire/r1-launch.html")
    assert r1["first_seen"] == "2025-01-20T09:00:00+00:00"
    assert [a["source"] for a in r1["articles"]] == ["wire", "techdaily", "kejibao"]
    assert all(
        set(a) == {"id", "url", "title", "source", "published", "language"} for a in r1["articles"]
    )
    assert r1["sources"] == ["kejibao", "techdaily", "wire"]
    assert r1["languages"] == ["en", "zh"]

    # --entity takes any alias; --min-sources drops the single-outlet stories.
    kimi = outlets("stories", "--entity", "月之暗面", "--min-sources", "3", "--json").json()
    assert [len(s["articles"]) for s in kimi] == [3]
    assert "Kimi" in kimi[0]["entities"]
    several = outlets("stories", "--min-sources", "2", "--json").json()
    assert len(several) == 3
    assert (
        outlets("stories", "--since", "2025-01-28", "--min-sources", "2", "--json")
        .json()[0]["title"]
        .startswith("Alibaba says Qwen2.5-Max")
    )

    text = outlets("stories", "--min-sources", "3").stdout
    assert "3 reports, 3 outlets, en, zh" in text
    assert "+6 h 30 min" in text  # techdaily's R1 report, behind wire's

    shown = outlets("show", site.url("/kejibao/shendu-qiusuo-r1.html"), "--json").json()
    assert shown["story"] == {"id": r1["id"], "title": r1["title"]}
    assert f"{r1['id']}: {r1['title']}" in outlets("show", str(shown["id"])).stdout


def test_recluster_rebuilds_the_same_stories(site: SiteServer, outlets: Labscope) -> None:
    with sqlite3.connect(outlets.db) as conn:
        conn.execute("delete from story_keys")
        conn.execute("delete from story_articles")
        conn.execute("delete from stories")
    assert outlets("stories", "--json").json() == []
    result = outlets("recluster", "--json")
    assert result.code == 0, result.stderr
    assert result.json() == {"articles": len(LOOPBACK["articles"]), "stories": 6}
    assert stored_groups(outlets) == expected_groups(site)


def test_stories_bad_input_is_one_line(outlets: Labscope) -> None:
    unknown = outlets("stories", "--entity", "Kimmi")
    assert unknown.code == 2 and "Traceback" not in unknown.stderr
    assert "unknown entity 'Kimmi'" in unknown.stderr
    bad_date = outlets("stories", "--since", "yesterday-ish")
    assert bad_date.code == 2 and "--since" in bad_date.stderr
