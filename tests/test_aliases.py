"""One article, many URLs: an AMP copy, a feed's tracked link and the canonical URL are one
article whose versions come from the canonical URL only, in real crawls of a local site."""

from __future__ import annotations

import gzip
import json
import sqlite3

from conftest import FIXTURES, Labscope, source

from crawler.site_server import SiteServer
from crawler.urls import canonicalize, tracking_rules

DEEPSEEK = "/news/2025/deepseek-emerges.html"
AMP = "/amp/deepseek.html"
REAL_AMP = FIXTURES / "real" / "aliases" / "juventudrebelde-amp"
EXPECTED = json.loads(
    (FIXTURES / "edited" / "deepseek-emerges-v2.expected.json").read_text(encoding="utf-8")
)


def versions(labscope: Labscope) -> list[tuple[int, str]]:
    with sqlite3.connect(labscope.db) as conn:
        return conn.execute("select number, fetched_url from versions order by id").fetchall()


def test_an_amp_copy_never_makes_a_version_beside_its_canonical_url(
    site: SiteServer, labscope: Labscope
) -> None:
    # The AMP copy's markup differs (no sidebar, other chrome) and its cache goes stale after
    # the edit: were its fetches versions, the history would alternate between the two.
    site.set_page(AMP, (FIXTURES / "duplicates" / "deepseek-amp.html").read_bytes())
    labscope.write_config(
        source("amp", "page", site.url(AMP)) + source("deepseek", "page", site.url(DEEPSEEK))
    )
    for _ in range(2):
        assert labscope("crawl").code == 0
    site.set_page(DEEPSEEK, (FIXTURES / "edited" / "deepseek-emerges-v2.html").read_bytes())
    for _ in range(2):
        assert labscope("crawl").code == 0

    assert versions(labscope) == [(1, site.url(DEEPSEEK)), (2, site.url(DEEPSEEK))]
    diff = labscope("diff", site.url(AMP), "--format", "json").json()
    assert (diff["from"], diff["to"], diff["title"]) == (1, 2, EXPECTED["title"])
    assert diff["removed"] == EXPECTED["removed"] and diff["added"] == EXPECTED["added"]
    shown = labscope("show", site.url(DEEPSEEK), "--json").json()
    assert shown["aliases"] == [site.url(AMP)]
    assert site.url(AMP) in labscope("show", site.url(DEEPSEEK)).stdout


def test_an_alias_makes_versions_while_the_primary_url_has_never_answered(
    site: SiteServer, labscope: Labscope
) -> None:
    site.set_page(AMP, (FIXTURES / "duplicates" / "deepseek-amp.html").read_bytes())
    site.set_page(DEEPSEEK, b"<h1>down</h1>", status=503)
    labscope.write_config(
        source("amp", "page", site.url(AMP)) + source("deepseek", "page", site.url(DEEPSEEK))
    )
    run = labscope("crawl", "--json").json()
    assert run["new_articles"] == 1
    assert versions(labscope) == [(1, site.url(AMP))]  # stored under the canonical URL
    assert labscope("articles", "--json").json()[0]["url"] == site.url(DEEPSEEK)


def test_a_real_amp_copy_is_stored_under_the_canonical_url_it_names(
    site: SiteServer, labscope: Labscope
) -> None:
    """Juventud Rebelde's AMP copy, recorded by trafilatura's eval set: its canonical link names
    the real host, rewritten to this server (the one edit, as {{BASE}} is elsewhere). While the
    main URL has never answered, the copy makes the version, filed under the canonical URL, and
    a second fetch of the copy makes no second version."""
    expected = json.loads(REAL_AMP.with_suffix(".expected.json").read_text(encoding="utf-8"))
    recorded = gzip.decompress(REAL_AMP.with_suffix(".html.gz").read_bytes())
    host = expected["canonical_recorded"].removesuffix(expected["canonical_path"]).encode()
    canonical = f'<link rel="canonical" href="{expected["canonical_recorded"]}"/>'.encode()
    assert recorded.count(canonical) == 1
    served = recorded.replace(canonical, canonical.replace(host, b"http://{{BASE}}"))
    site.set_page(expected["served_at"], served, "text/html")
    site.set_page(expected["canonical_path"], b"<h1>down</h1>", status=503)
    labscope.write_config(source("amp", "page", site.url(expected["served_at"])))
    for _ in range(2):
        assert labscope("crawl").code == 0

    assert versions(labscope) == [(1, site.url(expected["served_at"]))]
    shown = labscope("show", site.url(expected["served_at"]), "--json").json()
    assert shown["url"] == site.url(expected["canonical_path"])
    assert shown["title"] == expected["title"]
    assert shown["aliases"] == [site.url(expected["served_at"])]
    text = "".join(shown["text"].split())
    assert [p for p in expected["paragraphs"] if "".join(p.split()) not in text] == []


def test_campaign_parameters_are_dropped_by_a_list_a_user_extends() -> None:
    assert (
        canonicalize("https://36kr.com/p/3131?f=rss&ktm_source=feed&ktm_medium=x&utm_source=a")
        == "https://36kr.com/p/3131"
    )
    assert canonicalize("https://x.example/a?f=2&spm=a2c6h.1") == "https://x.example/a?f=2"
    extended = tracking_rules(["ref", "cx_*", "via=feed"])
    url = "https://x.example/a?ref=hn&cx_s=1&via=feed&id=7"
    assert canonicalize(url, extended) == "https://x.example/a?id=7"
    assert canonicalize("https://x.example/a?via=web", extended) == "https://x.example/a?via=web"


def test_the_configured_tracking_parameters_apply_to_a_crawl(
    site: SiteServer, labscope: Labscope
) -> None:
    labscope.write_config(
        source("a", "page", site.url(DEEPSEEK + "?from_feed=1"))
        + source("b", "page", site.url(DEEPSEEK)),
        crawl='delay = 0\ntimeout = 5\ntracking_params = ["from_feed"]',
    )
    run = labscope("crawl", "--json").json()
    assert (run["fetched"], run["new_articles"]) == (1, 1)


def test_a_bad_tracking_parameter_is_a_one_line_config_error(labscope: Labscope) -> None:
    labscope.write_config("", crawl='tracking_params = ["a b"]')
    result = labscope("crawl")
    assert result.code == 2
    assert result.stderr.strip() == (
        f'labscope: error: {labscope.config}:5: [crawl]: tracking_params entry "a b" is not a '
        "parameter name, prefix_* or name=value; write tracking_params = ['ref', 'ktm_*', 'f=rss']"
    )
