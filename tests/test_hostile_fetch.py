"""What a hostile source cannot make the crawler fetch or store (docs/reliability.md)."""

from __future__ import annotations

import ipaddress
import sqlite3

import pytest
from conftest import Labscope, source

from crawler.addresses import refusal, resolve
from crawler.demo import DEMO_SITE
from crawler.site_server import SiteServer

DEEPSEEK = "/news/2025/deepseek-emerges.html"


def versions(labscope: Labscope) -> list[tuple[int, str]]:
    with sqlite3.connect(labscope.db) as conn:
        return conn.execute("select number, fetched_url from versions order by id").fetchall()


@pytest.mark.parametrize(
    "target", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/admin"]
)
def test_a_redirect_from_a_loopback_source_into_another_internal_class_is_refused(
    site: SiteServer, labscope: Labscope, target: str
) -> None:
    site.set_page("/moved.html", b"", status=302, headers={"Location": target})
    labscope.write_config(source("moved", "page", site.url("/moved.html")))
    summary = labscope("crawl", "--json").json()
    assert (summary["new_articles"], summary["failed"]) == (0, 1)
    [error] = summary["errors"]
    kind = "link-local" if target.startswith("http://169") else "private"
    # Refused by the middleware, not by a failed connection (no timeout, no "refused").
    assert error["reason"].startswith(f"redirect to a {kind} address refused: {target}")
    assert "allow_private = true" in error["reason"]


def test_allow_private_lets_a_source_reach_any_address(
    site: SiteServer, labscope: Labscope
) -> None:
    site.set_page("/moved.html", b"", status=302, headers={"Location": "http://10.0.0.1/"})
    labscope.write_config(
        source("moved", "page", site.url("/moved.html")),
        crawl="delay = 0\ntimeout = 1\nallow_private = true",
    )
    [error] = labscope("crawl", "--json").json()["errors"]
    assert "address refused" not in error["reason"]  # it was tried: a timeout or no route


def test_a_loopback_source_may_redirect_to_another_loopback_port(
    site: SiteServer, labscope: Labscope
) -> None:
    other = SiteServer(DEMO_SITE).start()
    try:
        site.set_page("/moved.html", b"", status=302, headers={"Location": other.url(DEEPSEEK)})
        labscope.write_config(source("moved", "page", site.url("/moved.html")))
        summary = labscope("crawl", "--json").json()
        assert (summary["new_articles"], summary["failed"]) == (1, 0), summary["errors"]
        assert DEEPSEEK in [hit.path for hit in other.requests]
    finally:
        other.stop()


@pytest.mark.parametrize(
    ("url", "address", "kind"),
    [
        ("http://169.254.169.254/", "169.254.169.254", "link-local"),
        ("http://10.0.0.1/", "10.0.0.1", "private"),
        ("http://192.168.1.1/", "192.168.1.1", "private"),
        ("http://127.0.0.1:6379/", "127.0.0.1", "loopback"),
        ("http://[::1]/", "::1", "loopback"),
        ("http://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1", "private"),
        ("http://internal.example/", "10.1.2.3", "private"),
    ],
)
def test_a_public_source_may_reach_no_internal_address(url: str, address: str, kind: str) -> None:
    why = refusal(url, [ipaddress.ip_address(address)], allowed=set())
    assert why is not None and why.startswith(f"{kind} address refused: {url}")


def test_public_addresses_and_the_sources_own_class_are_allowed() -> None:
    public = [ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("2606:4700::1")]
    assert refusal("http://example.com/", public, allowed=set()) is None
    loopback = [ipaddress.ip_address("127.0.0.1")]
    assert refusal("http://127.0.0.1:8080/", loopback, allowed={"loopback"}) is None
    assert refusal("http://127.0.0.1:8080/", loopback, allowed={"private"}) is not None


def test_host_names_are_resolved_before_they_are_judged() -> None:
    assert ipaddress.ip_address("127.0.0.1") in resolve("localhost")
    assert resolve("no-such-host.invalid") == []


def test_a_canonical_link_from_another_host_of_the_site_never_replaces_the_articles_text(
    site: SiteServer, labscope: Labscope
) -> None:
    """A page on another host (here another port of 127.0.0.1, one site to same_site) naming
    the article as its canonical URL is an alias: it never writes a version once the article's
    own URL answers, whatever text it carries and even when that URL is down."""
    other = SiteServer(DEMO_SITE).start()
    try:
        html = (site.root / DEEPSEEK.lstrip("/")).read_bytes().decode("utf-8")
        own = f"http://{{{{BASE}}}}{DEEPSEEK}"
        assert own in html
        hijack = "Hijacked: this laboratory was acquired by an unknown buyer for one dollar."
        forged = html.replace(own, site.url(DEEPSEEK)).replace("<p>", f"<p>{hijack} ", 1)
        other.set_page("/mirror/deepseek.html", forged.encode("utf-8"))
        labscope.write_config(
            source("hijack", "page", other.url("/mirror/deepseek.html"))
            + source("deepseek", "page", site.url(DEEPSEEK))
        )
        assert labscope("crawl").code == 0
        site.set_page(DEEPSEEK, b"<h1>down</h1>", status=503)
        assert labscope("crawl").code == 0

        assert versions(labscope) == [(1, site.url(DEEPSEEK))]
        shown = labscope("show", site.url(DEEPSEEK), "--json").json()
        assert shown["aliases"] == [other.url("/mirror/deepseek.html")]
        assert hijack not in shown["text"]
    finally:
        other.stop()


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (
            "<html><head><title>Asia Tech Ledger</title></head><body><h1>We'll be back soon"
            "</h1><p>The site is down for maintenance until 06:00 UTC.</p></body></html>",
            "a maintenance page served instead of the article ('down for maintenance')",
        ),
        (
            "<html><head><title>Before you continue</title></head><body><h1>We use cookies</h1>"
            "<p>Accept all to read on.</p><button>Accept all</button></body></html>",
            "a cookie wall served instead of the article ('We use cookies')",
        ),
        (
            "<html><head><title>Oops</title></head><body><h1>Page not found</h1></body></html>",
            "an error page served as a page ('Page not found')",
        ),
    ],
)
def test_a_soft_404_or_wall_answering_200_is_a_failed_fetch_neither_edit_nor_revert(
    site: SiteServer, labscope: Labscope, page: str, reason: str
) -> None:
    labscope.write_config(source("deepseek", "page", site.url(DEEPSEEK)))
    assert labscope("crawl", "--json").json()["new_articles"] == 1
    original = site.page(DEEPSEEK)
    assert original is not None
    site.set_page(DEEPSEEK, page.encode())
    walled = labscope("crawl", "--json").json()
    assert (walled["failed"], walled["new_versions"]) == (1, 0)
    assert walled["errors"][0]["reason"] == reason
    site.set_page(DEEPSEEK, original.body)
    back = labscope("crawl", "--json").json()
    assert (back["failed"], back["new_versions"]) == (0, 0)
    assert versions(labscope) == [(1, site.url(DEEPSEEK))]
