"""The recrawl's fast path (crawler.visible): churned markup over the same text is a check with
no extraction; any edit of what is stored (body, title, dates, authors) is still a version."""

from __future__ import annotations

import random
import sqlite3
from typing import Any

import pytest
from conftest import FIXTURES, Labscope, source

from bench.churn import churn
from crawler.site_server import SiteServer
from crawler.visible import visible_fingerprint

DEEPSEEK = "/news/2025/deepseek-emerges.html"
PLAIN = "/plain.html"  # served without validators: every recrawl is a 200 with the whole page


def deepseek(site: SiteServer) -> str:
    return (site.root / DEEPSEEK.lstrip("/")).read_text(encoding="utf-8")


def crawl_twice(site: SiteServer, labscope: Labscope, second: str) -> dict[str, Any]:
    """Crawl the DeepSeek page, serve `second` in its place, crawl again: the second summary."""
    site.set_page(PLAIN, deepseek(site).encode(), validators=False)
    labscope.write_config(source("plain", "page", site.url(PLAIN)))
    first = labscope("crawl", "--json")
    assert first.code == 0, first.stderr
    assert first.json()["new_versions"] == 1
    site.set_page(PLAIN, second.encode(), validators=False)
    run = labscope("crawl", "--json")
    assert run.code == 0, run.stderr
    summary: dict[str, Any] = run.json()
    return summary


def test_churned_markup_is_a_check_without_extraction(site: SiteServer, labscope: Labscope) -> None:
    churned = churn(deepseek(site), random.Random(1))
    assert churned != deepseek(site)
    run = crawl_twice(site, labscope, churned)
    assert (run["new_versions"], run["unchanged"], run["not_modified"]) == (0, 1, 0)
    assert run["by_source"]["plain"]["same_text"] == 1
    with sqlite3.connect(labscope.db) as db:
        (last_checked,) = db.execute("SELECT last_checked FROM articles").fetchone()
        (started,) = db.execute("SELECT started FROM crawl_runs ORDER BY id DESC").fetchone()
    assert last_checked >= started  # recorded as a check, like a 304


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("founder Liang Wenfeng has", "founder Liang Wenfeng had"),  # one word of the body
        ("Emerged as a Major Player", "Became a Major Player"),  # the title, wherever it is
    ],
)
def test_an_edit_under_churned_markup_is_a_new_version(
    site: SiteServer, labscope: Labscope, old: str, new: str
) -> None:
    page = deepseek(site)
    assert old in page
    edited = churn(page.replace(old, new), random.Random(2))
    run = crawl_twice(site, labscope, edited)
    assert (run["new_versions"], run["unchanged"]) == (1, 0)
    assert "same_text" not in run["by_source"]["plain"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            '<meta name="author" content="Asia Tech Ledger Staff">',
            '<meta name="author" content="Li Wei">',
        ),
        (
            '"article:published_time" content="2025-01-28',
            '"article:published_time" content="2025-01-27',
        ),
        ('"datePublished": "2025-01-28', '"datePublished": "2025-01-27'),
        ("| Asia Tech Ledger</title>", "| Asia Tech Daily</title>"),
        ('<html lang="en"', '<html lang="fr"'),
        ('<link rel="canonical" href="', '<link rel="canonical" href="/moved'),
        ('published" datetime="2025-01-28', 'published" datetime="2025-01-26'),
    ],
)
def test_metadata_edits_change_the_fingerprint(site: SiteServer, old: str, new: str) -> None:
    """What the metadata readers take from <head> and attributes (authors, dates, the title,
    the language, the canonical link) sends the page to a full extraction when it changes."""
    page = deepseek(site)
    assert page.count(old) == 1, old
    url = site.url(DEEPSEEK)
    churned = churn(page.replace(old, new), random.Random(3))
    assert visible_fingerprint(churned, url, {}) != visible_fingerprint(page, url, {})


def test_the_edited_fixtures_change_the_fingerprint(site: SiteServer) -> None:
    url = site.url(DEEPSEEK)
    original = visible_fingerprint(deepseek(site), url, {})
    for name in ("deepseek-emerges-v2.html", "deepseek-emerges-cosmetic.html"):
        edited = (FIXTURES / "edited" / name).read_text(encoding="utf-8")
        assert visible_fingerprint(edited, url, {}) != original, name
    assert visible_fingerprint(deepseek(site), url, {"title": "From the feed"}) != original
    assert visible_fingerprint(deepseek(site), url + "?moved", {}) != original
