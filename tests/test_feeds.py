import json
from datetime import UTC, datetime

from crawler.feeds import parse_feed
from crawler.sitemaps import parse_sitemap

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title>
<item><title>One</title><link>/news/one.html</link>
<pubDate>Tue, 28 Jan 2025 09:00:00 GMT</pubDate></item>
<item><title>Two</title><link>https://other.example/two.html</link></item>
</channel></rss>"""


def test_rss_links_resolve_against_feed_url_and_keep_dates() -> None:
    result = parse_feed(RSS, "https://site.example/feeds/rss.xml")
    assert result.error is None
    assert [e.url for e in result.entries] == [
        "https://site.example/news/one.html",
        "https://other.example/two.html",
    ]
    assert result.entries[0].published == datetime(2025, 1, 28, 9, tzinfo=UTC)
    assert result.entries[0].title == "One"


def test_atom_feed() -> None:
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
    <entry><title>E</title><link rel="alternate" href="https://s.example/e.html"/>
    <updated>2025-02-01T10:00:00Z</updated></entry></feed>"""
    result = parse_feed(atom, "https://s.example/atom.xml")
    assert [e.url for e in result.entries] == ["https://s.example/e.html"]
    assert result.entries[0].published == datetime(2025, 2, 1, 10, tzinfo=UTC)


def test_json_feed() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "items": [
                {
                    "id": "1",
                    "url": "/a.html",
                    "title": "A",
                    "date_published": "2025-03-01T08:00:00Z",
                },
                {"id": "2", "external_url": "https://x.example/b.html"},
                {"id": "3"},
                "junk",
            ],
        }
    ).encode()
    result = parse_feed(body, "https://s.example/feed.json")
    assert [e.url for e in result.entries] == [
        "https://s.example/a.html",
        "https://x.example/b.html",
    ]
    assert result.entries[0].published == datetime(2025, 3, 1, 8, tzinfo=UTC)


def test_malformed_feed_still_yields_its_items() -> None:
    broken = b"""<rss version="2.0"><channel><title>Broken & bad</title>
    <item><title>One</title><link>https://s.example/1.html</link>
    <pubDate>not a date</pubDate></item>
    <item><title>Two</title><link>https://s.example/2.html</link>"""
    result = parse_feed(broken, "https://s.example/rss")
    assert [e.url for e in result.entries] == [
        "https://s.example/1.html",
        "https://s.example/2.html",
    ]
    assert result.entries[0].published is None


def test_html_page_is_not_a_feed_and_the_advertised_feed_is_named() -> None:
    html = b"""<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">
    </head><body><p>Hello</p></body></html>"""
    result = parse_feed(html, "https://s.example/news/")
    assert result.entries == []
    assert result.error == (
        "not a feed, but the page links to the feed https://s.example/rss.xml: use that URL"
    )


def test_garbage_is_not_a_feed() -> None:
    result = parse_feed(bytes(range(256)) * 4, "https://s.example/rss")
    assert result.entries == []
    assert result.error is not None and result.error.startswith("not a readable feed")


def test_billion_laughs_feed_is_not_expanded() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">
    <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
    <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
    <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">]>
    <rss version="2.0"><channel><item><title>&g;</title><link>https://s.example/x</link></item>
    </channel></rss>"""
    result = parse_feed(bomb, "https://s.example/rss")
    assert all(len(e.title or "") < 10_000 for e in result.entries)


NEWS_SITEMAP = """﻿<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://s.example/a.html</loc>
    <news:news><news:publication><news:name>S</news:name><news:language>zh</news:language>
    </news:publication><news:publication_date>2025-01-28T09:00:00+08:00</news:publication_date>
    <news:title>标题</news:title></news:news></url>
  <url><loc>https://s.example/b.html</loc><lastmod>2025-01-02</lastmod></url>
</urlset>""".encode()


def test_google_news_sitemap_keeps_hints() -> None:
    sitemap = parse_sitemap(NEWS_SITEMAP, "https://s.example/sitemap.xml")
    assert sitemap is not None and sitemap.kind == "urlset"
    first, second = sitemap.entries
    assert (first.url, first.title, first.language) == ("https://s.example/a.html", "标题", "zh")
    assert first.published == datetime(2025, 1, 28, 1, tzinfo=UTC)
    assert second.lastmod == datetime(2025, 1, 2, tzinfo=UTC)
    assert second.title is None


def test_sitemap_index_and_non_sitemaps() -> None:
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://s.example/s1.xml.gz</loc></sitemap></sitemapindex>"""
    sitemap = parse_sitemap(index, "https://s.example/index.xml")
    assert sitemap is not None and sitemap.kind == "sitemapindex"
    assert [e.url for e in sitemap.entries] == ["https://s.example/s1.xml.gz"]
    assert parse_sitemap(b"<html><body>no</body></html>", "https://s.example/") is None
    assert parse_sitemap(b"\x00\x01garbage", "https://s.example/") is None


def test_sitemap_external_entity_is_not_resolved(tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    body = f"""<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file://{secret}">]>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://s.example/&x;</loc></url></urlset>""".encode()
    sitemap = parse_sitemap(body, "https://s.example/")
    assert sitemap is not None
    assert all("TOP-SECRET" not in e.url for e in sitemap.entries)
