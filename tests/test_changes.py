"""Change tracking end to end: real crawls of edited pages, then the stored events, the diff
and the digest in every format, through the CLI."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from conftest import FIXTURES, Labscope, source
from lxml import etree
from lxml import html as lxml_html
from sqlalchemy import text
from test_web import Served, serving

from crawler.site_server import SiteServer
from storage.db import open_database

DEEPSEEK = "/news/2025/deepseek-emerges.html"
ERNIE = "/news/2025/baidu-ernie.gbk.html"
EXPECTED = json.loads(
    (FIXTURES / "edited" / "deepseek-emerges-v2.expected.json").read_text(encoding="utf-8")
)


def original(site: SiteServer, path: str = DEEPSEEK) -> bytes:
    return (site.root / path.lstrip("/")).read_bytes()


def edited() -> bytes:
    return (FIXTURES / "edited" / "deepseek-emerges-v2.html").read_bytes()


def events(labscope: Labscope) -> list[tuple[str, str | None]]:
    database = open_database(labscope.url)
    try:
        with database.reading() as session:
            rows = session.execute(text("select kind, edit_kind from events order by id"))
            return [(kind, edit_kind) for kind, edit_kind in rows]
    finally:
        database.close()


def crawl(labscope: Labscope) -> dict[str, object]:
    result = labscope("crawl", "--json")
    assert result.code == 0, result.stderr
    summary: dict[str, object] = result.json()
    return summary


@pytest.fixture
def deepseek(site: SiteServer, labscope: Labscope) -> Labscope:
    """The DeepSeek article crawled once, as version 1."""
    labscope.write_config(source("deepseek", "page", site.url(DEEPSEEK)))
    crawl(labscope)
    return labscope


def test_the_edited_article_is_described_exactly(site: SiteServer, deepseek: Labscope) -> None:
    site.set_page(DEEPSEEK, edited())
    assert crawl(deepseek)["new_versions"] == 1

    diff = deepseek("diff", site.url(DEEPSEEK), "--format", "json").json()
    assert (diff["from"], diff["to"], diff["kind"]) == (1, 2, "correction")
    assert diff["title"] == EXPECTED["title"]
    assert [(e["old"], e["new"]) for e in diff["edited"]] == [
        (EXPECTED["reworded"]["old"], EXPECTED["reworded"]["new"])
    ]
    assert diff["removed"] == EXPECTED["removed"]
    assert diff["added"] == EXPECTED["added"]
    assert diff["moved"] == []
    modified = [f for f in diff["fields"] if f["name"] == "modified"]
    assert modified and modified[0]["new"].startswith("2025-01-29")  # the page says so
    assert set(EXPECTED["new_entities"]) <= set(diff["entities_added"])
    assert diff["entities_removed"] == []

    kinds = events(deepseek)
    assert kinds[0] == ("new_article", None)
    assert ("edited", "correction") in kinds
    assert kinds.count(("edited", "correction")) == 1

    digest = deepseek("digest", "--format", "json").json()
    (change,) = digest["edited_articles"]
    assert set(change) >= {
        "url",
        "title",
        "from",
        "to",
        "kind",
        "added",
        "removed",
        "edited",
        "entities_added",
        "entities_removed",
    }
    assert change["added"] == EXPECTED["added"] and change["removed"] == EXPECTED["removed"]
    assert change["kind"] == "correction"
    assert [e["redline"] for e in change["edited"]] == [e["redline"] for e in diff["edited"]]
    (reworded,) = change["edited"]
    assert {op for op, _ in reworded["redline"]} == {"equal", "delete", "insert"}  # word level
    assert "".join(t for op, t in reworded["redline"] if op != "insert") == reworded["old"]
    new_entities = {e["name"]: e for e in digest["new_entities"]}
    for name in EXPECTED["new_entities"]:
        assert name in new_entities
        assert name in new_entities[name]["context"]
        assert new_entities[name]["first_url"] == site.url(DEEPSEEK)
    assert [a["title"] for a in digest["new_articles"]] == [EXPECTED["title"]["old"]]

    text = deepseek("digest").stdout
    assert "[-Consequently, there-] {+As a result, China+}" in text
    assert "+ " + EXPECTED["added"][1] in text
    assert "- " + EXPECTED["removed"][0] in text
    assert "CORRECTION" in text
    assert "Modified: " in text

    markdown = deepseek("digest", "--format", "md").stdout
    assert "StepFun" in markdown and "<del>" in markdown and "<ins>" in markdown

    page = deepseek("digest", "--format", "html").stdout
    document = lxml_html.fromstring(page)
    assert "Step-2" in document.text_content()
    assert document.xpath("//del") and document.xpath("//ins")

    atom = etree.fromstring(deepseek("digest", "--format", "atom").stdout.encode())
    entries = atom.findall("{http://www.w3.org/2005/Atom}entry")
    ids = [e.findtext("{http://www.w3.org/2005/Atom}id") for e in entries]
    assert len(ids) == len(set(ids)) >= 3


def test_digest_file_output(site: SiteServer, deepseek: Labscope) -> None:
    site.set_page(DEEPSEEK, edited())
    crawl(deepseek)
    target = deepseek.config.parent / "digest.html"
    result = deepseek("digest", "--hours", "2", "--format", "html", "--output", str(target))
    assert result.code == 0 and result.stdout == ""
    assert "Wrote the html digest" in result.stderr
    assert "StepFun" in target.read_text(encoding="utf-8")
    missing = deepseek("digest", "--output", str(target.parent / "no" / "such" / "x.html"))
    assert missing.code == 2 and "cannot write" in missing.stderr


@pytest.mark.one_archive
def test_noise_is_never_an_edit(site: SiteServer, deepseek: Labscope) -> None:
    site.set_page(DEEPSEEK, (FIXTURES / "edited" / "deepseek-emerges-cosmetic.html").read_bytes())
    summary = crawl(deepseek)
    assert (summary["new_versions"], summary["unchanged"]) == (0, 1)
    assert events(deepseek) == [("new_article", None)] + [
        ("new_entity", None) for _ in events(deepseek)[1:]
    ]


def test_ignore_patterns_silence_timestamps(site: SiteServer, labscope: Labscope) -> None:
    def with_stamp(stamp: str) -> bytes:
        note = f'<p>Last updated: {stamp} Beijing time.</p><p class="source-note">'
        return original(site).replace(b'<p class="source-note">', note.encode())

    site.set_page(DEEPSEEK, with_stamp("09:14"))
    labscope.write_config(
        "[changes]\nignore = ['Last updated: \\d\\d:\\d\\d']\n\n"
        + source("deepseek", "page", site.url(DEEPSEEK))
    )
    crawl(labscope)
    site.set_page(DEEPSEEK, with_stamp("17:52"))
    assert crawl(labscope)["new_versions"] == 0

    labscope.write_config(source("deepseek", "page", site.url(DEEPSEEK)))  # no ignore rule
    site.set_page(DEEPSEEK, with_stamp("18:03"))
    assert crawl(labscope)["new_versions"] == 1
    diff = labscope("diff", site.url(DEEPSEEK), "--format", "json").json()
    # A figure changed: an edit, however few characters (minor means cosmetic only).
    assert diff["kind"] == "substantive"
    stamps = [("Last updated: 09:14 Beijing time.", "Last updated: 18:03 Beijing time.")]
    assert [(e["old"], e["new"]) for e in diff["edited"]] == stamps
    assert diff["judged"] == "reextracted"


def test_a_rule_added_after_the_crawl_changes_later_crawls_not_the_verdict(
    site: SiteServer, labscope: Labscope
) -> None:
    """Issue 17, part 6: the digest printed "Edited (v1→v2)" with nothing under it once an
    ignore rule was added after the crawl; it now shows what the crawl recorded, and
    `labscope rejudge` is how today's rules reach the past."""

    def with_stamp(stamp: str) -> bytes:
        note = f'<p>Last updated: {stamp} Beijing time.</p><p class="source-note">'
        return original(site).replace(b'<p class="source-note">', note.encode())

    rule = "[changes]\nignore = ['Last updated: \\d\\d:\\d\\d']\n\n"
    site.set_page(DEEPSEEK, with_stamp("09:14"))
    labscope.write_config(source("deepseek", "page", site.url(DEEPSEEK)))
    crawl(labscope)
    site.set_page(DEEPSEEK, with_stamp("18:03"))
    assert crawl(labscope)["new_versions"] == 1
    labscope.write_config(rule + source("deepseek", "page", site.url(DEEPSEEK)))

    digest = labscope("digest", "--format", "json").json()
    (change,) = digest["edited_articles"]
    assert change["kind"] == "substantive" and change["judged"] == "reextracted"
    assert [e["new"] for e in change["edited"]] == ["Last updated: 18:03 Beijing time."]
    text = labscope("digest").stdout
    assert "Edited (v1→v2)" in text and "{+18:03+}" in text

    dry = labscope("rejudge")
    assert dry.code == 0, dry.stderr
    assert "version 2: substantive -> unchanged" in dry.stdout
    assert "1 verdict would change (run with --apply to record them)." in dry.stdout
    assert labscope("digest", "--format", "json").json()["edited_articles"] == [change]

    applied = labscope("rejudge", "--apply", "--json").json()
    assert applied["applied"] is True
    assert [(c["version"], c["before"], c["after"]) for c in applied["changes"]] == [
        (2, "substantive", "unchanged")
    ]
    assert labscope("digest", "--format", "json").json()["edited_articles"] == []
    assert "0 verdicts would change." in labscope("rejudge").stdout
    assert ("edited", "unchanged") in events(labscope)
    shown = labscope("show", site.url(DEEPSEEK), "--json").json()
    assert len(shown["versions"]) == 2  # rejudging never deletes a version


@pytest.mark.one_archive
def test_error_pages_and_stubs_are_failed_fetches(site: SiteServer, deepseek: Labscope) -> None:
    site.set_page(
        DEEPSEEK,
        b"<html><head><title>Oops</title></head><body><h1>Page not found</h1></body></html>",
    )
    assert crawl(deepseek)["failed"] == 1
    stub = (
        "<html><head><title>How China’s DeepSeek Emerged as a Major Player</title></head><body>"
        "<article><h1>How China’s DeepSeek Emerged as a Major Player in the AI Landscape</h1>"
        "<p>Chinese start-up DeepSeek has unveiled two language models that rival those of major "
        "U.S. corporations. This article is for subscribers only. Subscribe now to continue "
        "reading, or sign in to your account if you are already a subscriber to Asia Tech Ledger."
        "</p></article></body></html>"
    )
    site.set_page(DEEPSEEK, stub.encode())
    summary = crawl(deepseek)
    assert summary["failed"] == 1 and summary["new_versions"] == 0
    assert "paywall or error page" in summary["errors"][0]["reason"]  # type: ignore[index]
    site.set_page(DEEPSEEK, b"")
    assert crawl(deepseek)["failed"] == 1
    shown = deepseek("show", site.url(DEEPSEEK), "--json").json()
    assert len(shown["versions"]) == 1
    assert [kind for kind, _ in events(deepseek)].count("edited") == 0


def test_revert_and_alternating_headlines(site: SiteServer, deepseek: Labscope) -> None:
    a = original(site)
    b = a.replace(b"Emerged as a Major Player", b"Became a Major Player")
    site.set_page(DEEPSEEK, b)
    assert crawl(deepseek)["new_versions"] == 1
    site.set_page(DEEPSEEK, a)
    assert crawl(deepseek)["new_versions"] == 1
    diff = deepseek("diff", site.url(DEEPSEEK), "--format", "json").json()
    assert (diff["kind"], diff["to"]) == ("revert", 3)
    assert (
        "Reverted to version 1" in deepseek("digest").stdout
        or "reverted to version 1" in deepseek("digest").stdout.lower()
    )
    for page in (b, a, b):  # the A/B test goes on: reported once, not at every crawl
        site.set_page(DEEPSEEK, page)
        assert crawl(deepseek)["new_versions"] == 0
    assert [k for k in events(deepseek) if k[0] == "edited"] == [
        ("edited", "substantive"),
        ("edited", "revert"),
    ]


def test_a_first_crawl_is_a_baseline_counted_in_one_line(
    site: SiteServer, deepseek: Labscope
) -> None:
    """The first crawl's entities are one "Baseline" line in every format, not new-entity
    items; the entities a later crawl brings are listed as ever."""
    database = open_database(deepseek.url)
    try:
        with database.reading() as session:
            known = session.execute(text("select count(*) from entities")).scalar_one()
    finally:
        database.close()
    assert known > 10
    line = f"Baseline: {known} entities first seen in the first crawl of deepseek"
    first = deepseek("digest", "--json").json()
    assert first["new_entities"] == []
    assert first["baseline"] == [{"source": "deepseek", "entities": known}]
    for fmt in ("text", "md", "html", "atom"):
        shown = deepseek("digest", "--format", fmt).stdout
        assert line in shown, fmt
        assert "New entities" not in shown and "Liang Wenfeng" not in shown.split(line)[1], fmt
    site.set_page(DEEPSEEK, edited())
    crawl(deepseek)
    later = deepseek("digest", "--json").json()
    assert later["baseline"] == first["baseline"]  # the same period: still counted once
    assert set(EXPECTED["new_entities"]) <= {e["name"] for e in later["new_entities"]}
    assert len(later["new_entities"]) < known
    shown = deepseek("digest").stdout
    assert "New entities" in shown and shown.index(line) < shown.index("New entities")


def test_removed_then_restored(site: SiteServer, deepseek: Labscope) -> None:
    body = original(site)
    site.set_page(DEEPSEEK, b"<h1>Gone</h1>", status=404)
    crawl(deepseek)
    assert "removed" not in [kind for kind, _ in events(deepseek)]  # one 404 may be a blip
    crawl(deepseek)
    assert [kind for kind, _ in events(deepseek)].count("removed") == 1
    crawl(deepseek)
    assert [kind for kind, _ in events(deepseek)].count("removed") == 1
    site.set_page(DEEPSEEK, body)
    crawl(deepseek)
    assert [kind for kind, _ in events(deepseek)][-1] == "restored"
    digest = deepseek("digest", "--format", "json").json()
    restored = [a.get("restored") for a in digest["removed_articles"]]
    assert restored == [False, True]


def test_chinese_edit_is_a_sentence_diff(site: SiteServer, labscope: Labscope) -> None:
    labscope.write_config(source("ernie", "page", site.url(ERNIE)))
    crawl(labscope)
    page = original(site, ERNIE).decode("gbk")
    sentences = re.findall(r"[^。！？<>]*月之暗面[^。！？<>]*。", page)
    assert sentences, "the fixture mentions 月之暗面 in a sentence"
    target = sentences[0]
    changed = target.replace("月之暗面", "月之暗面和阶跃星辰")
    site.set_page(ERNIE, page.replace(target, changed).encode("gbk"), "text/html; charset=gbk")
    assert crawl(labscope)["new_versions"] == 1
    diff = labscope("diff", site.url(ERNIE), "--format", "json").json()
    assert [(e["old"], e["new"]) for e in diff["edited"]] == [(target.strip(), changed.strip())]
    assert diff["added"] == [] and diff["removed"] == []
    assert "StepFun" in diff["entities_added"]


@pytest.mark.one_archive
def test_hostile_article_text_is_escaped_in_the_html_digest(
    site: SiteServer, labscope: Labscope
) -> None:
    hostile = original(site).replace(
        b'<p class="source-note">',
        b"<p>Readers saw &lt;script&gt;alert(1)&lt;/script&gt; and "
        b'&lt;a href="javascript:alert(2)"&gt;click&lt;/a&gt; and '
        b"&lt;img src=x onerror=alert(3)&gt;"
        b' in a comment that was quoted.</p><p class="source-note">',
    )
    site.set_page(DEEPSEEK, hostile)
    labscope.write_config(source("deepseek", "page", site.url(DEEPSEEK)))
    crawl(labscope)
    shown = labscope("show", site.url(DEEPSEEK), "--json").json()
    assert "<script>alert(1)</script>" in shown["text"]  # stored exactly
    site.set_page(DEEPSEEK, hostile.replace(b"quoted.", b"quoted again."))
    crawl(labscope)
    page = labscope("digest", "--format", "html").stdout
    assert "<script" not in page.lower()
    assert "javascript:" not in " ".join(lxml_html.fromstring(page).xpath("//@href"))
    assert not lxml_html.fromstring(page).xpath("//*[@onerror]")
    assert "&lt;script&gt;" in page


def test_relevance_entities_keeps_only_articles_naming_a_known_entity(
    site: SiteServer, labscope: Labscope
) -> None:
    paragraph = (
        "<p>The village bakery opened its doors at dawn, as it has every morning for forty "
        "years. Flour, water, salt and a starter older than the baker make the loaves that "
        "the neighbours queue for, and the recipe has not changed since the first day.</p>"
    )
    unrelated = (
        f"<html><head><title>A bakery at dawn</title></head><body><article>"
        f"<h1>A bakery at dawn</h1>{paragraph * 3}</article></body></html>"
    )
    site.set_page("/unrelated.html", unrelated.encode())
    labscope.write_config(
        source("deepseek", "page", site.url(DEEPSEEK))
        + source("unrelated", "page", site.url("/unrelated.html"))
        + 'relevance = "entities"\n'
    )
    summary = crawl(labscope)
    assert summary["new_articles"] == 1 and summary["skipped"] == 1


def test_entities_command(site: SiteServer, deepseek: Labscope) -> None:
    listed = deepseek("entities", "--json").json()
    names = {e["name"]: e for e in listed}
    assert {"DeepSeek", "Liang Wenfeng", "Hangzhou", "Qwen2.5-Max"} <= set(names)
    assert set(listed[0]) == {"name", "type", "known", "first_seen", "first_url", "articles"}
    assert names["Liang Wenfeng"]["type"] == "person"
    assert names["DeepSeek"]["first_url"] == site.url(DEEPSEEK)
    people = deepseek("entities", "--type", "person", "--json").json()
    assert people and all(e["type"] == "person" for e in people)
    unknown = deepseek("entities", "--unrecognised", "--json").json()
    assert all(not e["known"] for e in unknown)


@pytest.mark.one_archive
def test_diff_errors(site: SiteServer, deepseek: Labscope) -> None:
    only_one = deepseek("diff", site.url(DEEPSEEK))
    assert only_one.code == 2
    assert "nothing to compare it with yet" in only_one.stderr
    site.set_page(DEEPSEEK, edited())
    crawl(deepseek)
    missing = deepseek("diff", site.url(DEEPSEEK), "--from", "1", "--to", "7")
    assert missing.code == 2 and "has no version 7" in missing.stderr
    both = deepseek("digest", "--since", "1d", "--hours", "3")
    assert both.code == 2 and "--since or --hours" in both.stderr


# No recorded real page of a removal notice could be found (see fixtures/README.md): these
# pages are written here, in the shape WeChat's deletion page and a newsroom's takedown have.
WECHAT_DELETED = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>微信公众平台</title></head><body>"
    "<div class='weui-msg'><div class='weui-msg__icon-area'><i class='weui-icon-warn'></i></div>"
    "<div class='weui-msg__text-area'><h2 class='weui-msg__title'>该内容已被发布者删除</h2>"
    "</div><div class='weui-msg__extra-area'><p><a href='/mp'>微信公众平台运营中心</a></p></div>"
    "</div></body></html>"
)
TAKEDOWN = (
    "<html><head><title>How China’s DeepSeek Emerged as a Major Player</title></head><body>"
    "<article><h1>How China’s DeepSeek Emerged as a Major Player in the AI Landscape</h1>"
    "<p>This article has been removed.</p><p>Asia Tech Ledger took this story down after a "
    "complaint about one of its sources. The standards editor explains the decision in a note "
    "to readers, and anyone who quoted the story is asked to link to this page instead.</p>"
    "</article></body></html>"
)


def test_a_removal_notice_is_a_removal_that_keeps_its_words(
    site: SiteServer, deepseek: Labscope
) -> None:
    site.set_page(DEEPSEEK, WECHAT_DELETED.encode())
    summary = crawl(deepseek)
    assert (summary["new_versions"], summary["failed"]) == (0, 0)
    assert summary["by_source"]["deepseek"]["removed"] == 1  # type: ignore[index]
    assert [k for k, _ in events(deepseek)].count("removed") == 1  # one notice suffices
    digest = deepseek("digest", "--format", "json").json()
    (removed,) = digest["removed_articles"]
    assert (removed["restored"], removed["notice"]) == (False, "该内容已被发布者删除")
    assert "The page says: “该内容已被发布者删除”" in deepseek("digest").stdout
    assert "该内容已被发布者删除" in deepseek("digest", "--format", "html").stdout
    crawl(deepseek)  # still removed: no second event
    assert [k for k, _ in events(deepseek)].count("removed") == 1
    site.set_page(DEEPSEEK, original(site))
    crawl(deepseek)
    assert [k for k, _ in events(deepseek)][-1] == "restored"
    shown = deepseek("show", site.url(DEEPSEEK), "--json").json()
    assert len(shown["versions"]) == 1


def test_a_removal_shows_on_the_article_itself(site: SiteServer, deepseek: Labscope) -> None:
    """show (text and JSON), the article page and `articles --removed` say when and why."""
    crawl(deepseek)  # a second, kept article: the one --removed leaves out
    deepseek.write_config(
        source("deepseek", "page", site.url(DEEPSEEK)) + source("ernie", "page", site.url(ERNIE))
    )
    crawl(deepseek)
    assert deepseek("articles", "--removed", "--json").json() == []
    site.set_page(DEEPSEEK, WECHAT_DELETED.encode())
    crawl(deepseek)
    shown = deepseek("show", site.url(DEEPSEEK), "--json").json()
    removed = shown["removed"]
    assert (removed["notice"], removed["reason"]) == (
        "该内容已被发布者删除",
        "the page says: 该内容已被发布者删除",
    )
    assert removed["at"] is not None
    text = deepseek("show", site.url(DEEPSEEK)).stdout
    assert re.search(
        r"Removed  \d{4}-\d\d-\d\d \d\d:\d\d UTC: the page says: 该内容已被发布者删除", text
    )
    (row,) = deepseek("articles", "--removed", "--json").json()
    assert (row["id"], row["removed"]) == (shown["id"], removed)
    rows = {r["url"]: r for r in deepseek("articles", "--json").json()}
    assert rows[site.url(ERNIE)]["removed"] is None
    listed = deepseek("articles", "--removed").stdout
    assert "该内容已被发布者删除" in listed and "文心" not in listed
    assert deepseek("show", site.url(ERNIE), "--json").json()["removed"] is None
    with serving(deepseek) as url:
        page = Served(url, deepseek, site).page(f"/articles/{shown['id']}")
    (fact,) = page.xpath("//dd[@class='removal']")
    assert "the page says: 该内容已被发布者删除" in fact.text_content()


def test_a_404_removal_says_so_on_the_article(site: SiteServer, deepseek: Labscope) -> None:
    site.set_page(DEEPSEEK, b"<h1>Gone</h1>", status=404)
    crawl(deepseek)
    assert deepseek("show", site.url(DEEPSEEK), "--json").json()["removed"] is None  # a blip
    crawl(deepseek)
    removed = deepseek("show", site.url(DEEPSEEK), "--json").json()["removed"]
    assert (removed["notice"], removed["reason"]) == (
        None,
        "the page answered HTTP 404 on 2 checks in a row",
    )
    site.set_page(DEEPSEEK, original(site))
    crawl(deepseek)
    assert deepseek("show", site.url(DEEPSEEK), "--json").json()["removed"] is None  # restored
    assert deepseek("articles", "--removed", "--json").json() == []


@pytest.mark.one_archive
def test_a_takedown_that_extracts_as_a_stub_is_a_removal_not_a_version(
    site: SiteServer, deepseek: Labscope
) -> None:
    site.set_page(DEEPSEEK, TAKEDOWN.encode())
    summary = crawl(deepseek)
    assert (summary["new_versions"], summary["failed"]) == (0, 0)
    digest = deepseek("digest", "--format", "json").json()
    assert [r["notice"] for r in digest["removed_articles"]] == ["This article has been removed."]


def test_an_article_that_says_no_longer_available_is_no_removal_notice() -> None:
    """A real article (The Atlantic, via trafilatura's evaluation set) whose prose says "these
    essentials are no longer available": neither its text nor its page's blocks are a notice."""
    from crawler.extract import Extraction, extract
    from crawler.page_surface import decode_stored, page_lines
    from storage.removals import NOTICE_MAX_CHARS, removal_notice

    html = gzip.decompress(
        (FIXTURES / "real" / "removals" / "theatlantic-disasters.html.gz").read_bytes()
    )
    result = extract(decode_stored(html), "https://www.theatlantic.com/")
    assert isinstance(result, Extraction)
    assert "these essentials are no longer available" in result.text
    assert removal_notice(result.text.split("\n")) is None
    assert removal_notice(page_lines(html, NOTICE_MAX_CHARS)) is None
    assert removal_notice(["该内容已被发布者删除"]) == "该内容已被发布者删除"
    assert removal_notice(["This content is no longer available."]) is not None


@pytest.mark.one_archive
def test_minor_means_cosmetic_and_one_word_is_an_edit(site: SiteServer, deepseek: Labscope) -> None:
    """Case and punctuation alone are minor; a word replaced is an edit, however short."""
    lede = b"<p>Chinese start-up DeepSeek has unveiled two language models"
    recased = original(site).replace(lede, lede.replace(b"start-up", b"Start-Up"))
    site.set_page(DEEPSEEK, recased)
    assert crawl(deepseek)["new_versions"] == 1
    assert deepseek("diff", site.url(DEEPSEEK), "--format", "json").json()["kind"] == "minor"
    three = recased.replace(
        lede.replace(b"start-up", b"Start-Up"),
        lede.replace(b"start-up", b"Start-Up").replace(b"two", b"three"),
    )
    site.set_page(DEEPSEEK, three)
    assert crawl(deepseek)["new_versions"] == 1
    diff = deepseek("diff", site.url(DEEPSEEK), "--format", "json").json()
    assert diff["kind"] == "substantive"
    (edit,) = diff["edited"]
    assert ["delete", "two "] in edit["redline"] and ["insert", "three "] in edit["redline"]
    assert "1 minor edit" in deepseek("digest").stdout


@pytest.mark.one_archive
def test_min_change_still_loads_and_says_it_is_ignored(
    site: SiteServer, labscope: Labscope
) -> None:
    labscope.write_config(
        "[changes]\nmin_change = 40\n\n" + source("deepseek", "page", site.url(DEEPSEEK))
    )
    open_database(labscope.url).close()  # an empty archive to read
    result = labscope("sources", "--json")  # a command that reads the config (articles: [storage])
    assert result.code == 0 and [s["name"] for s in result.json()] == ["deepseek"]
    assert result.stderr.count("min_change is no longer used and is ignored") == 1
    assert "config.toml:9: [changes]: min_change" in result.stderr  # its line, after [crawl]


@pytest.mark.one_archive
def test_wechats_link_expired_page_is_a_failed_fetch_not_a_removal(
    site: SiteServer, labscope: Labscope
) -> None:
    """Real captures by WechatSogou (2018): an article as WeChat's server sent it, then, at the
    same URL, WeChat's "链接已过期" page, the weui-msg interstitial its deletion notices use. An
    expired link says nothing of the article: no `removed` event, no version, a failed fetch."""
    real = FIXTURES / "real" / "removals"
    expected = json.loads((real / "wechatsogou-link-expired.expected.json").read_text("utf-8"))
    article = expected["article"]
    url = site.url(article["served_at"])
    site.set_page(
        article["served_at"],
        gzip.decompress((real / "wechatsogou-music-article.html.gz").read_bytes()),
        "text/html",
    )
    labscope.write_config(source("wechat", "page", url))
    assert crawl(labscope)["new_articles"] == 1
    shown = labscope("show", url, "--json").json()
    assert shown["title"] == article["title"]
    text = "".join(shown["text"].split())
    assert [p for p in article["paragraphs"] if "".join(p.split()) not in text] == []
    assert [c for c in article["must_not_contain"] if c in shown["text"]] == []

    page = (real / "wechatsogou-link-expired.html").read_bytes()
    assert expected["interstitial"]["says"].encode() in page
    site.set_page(article["served_at"], page, "text/html")
    summary = crawl(labscope)
    assert (summary["new_versions"], summary["failed"]) == (0, 1)
    (error,) = summary["errors"]  # type: ignore[misc]
    assert error["reason"].startswith(expected["interstitial"]["reason_starts"]), error
    assert "removed" not in [kind for kind, _ in events(labscope)]
    assert len(labscope("show", url, "--json").json()["versions"]) == 1
