"""Digest and diff rendering: JSON contracts, collapsed minor edits, escaping of hostile pages.

Digests are built by hand (rendering reads stored events, so no database is needed), with one
of each item kind, Chinese text, and a variant whose every scraped string is an attack.
"""

from __future__ import annotations

import html
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Literal

import lxml.etree
import lxml.html
import pytest
from markdown_it import MarkdownIt

from storage.digest.build import (
    Digest,
    EditedArticle,
    EditedSentence,
    NewArticle,
    NewEntity,
    RemovedArticle,
    TemplateSentence,
    TitleChange,
    entity_rank,
)
from storage.digest.formats import FORMATS, diff_json, digest_json, render_diff, render_digest

ATOM = "{http://www.w3.org/2005/Atom}"
SINCE = datetime(2025, 1, 27, 9, 0, tzinfo=UTC)
UNTIL = datetime(2025, 1, 28, 9, 0, tzinfo=UTC)
SEEN = datetime(2025, 1, 28, 6, 30, tzinfo=UTC)
MINOR_SENTENCE = "The company is based in Hangzhou, Zhejiang."


def sample() -> Digest:
    """One item of every kind; the edits cover substantive, minor, revert and correction."""
    substantive = EditedArticle(
        article_id=2,
        url="https://news.example.com/qwen-max",
        title="Alibaba says Qwen2.5-Max beats DeepSeek-V3",
        source="example-news",
        seen=SEEN,
        from_version=1,
        to_version=2,
        kind="substantive",
        title_change=TitleChange(
            old="Alibaba unveils Qwen2.5-Max", new="Alibaba says Qwen2.5-Max beats DeepSeek-V3"
        ),
        edited=[
            EditedSentence(
                old="The model was trained on 18 trillion tokens.",
                new="The model was trained on over 20 trillion tokens.",
                redline=(
                    ("equal", "The model was trained on "),
                    ("delete", "18 "),  # diffs.py keeps a word's trailing space
                    ("insert", "over 20 "),
                    ("equal", "trillion tokens."),
                ),
            ),
            EditedSentence(
                old="阿里巴巴于周三发布了该模型。",
                new="阿里巴巴于除夕发布了该模型。",
                redline=(
                    ("equal", "阿里巴巴于"),
                    ("delete", "周三"),
                    ("insert", "除夕"),
                    ("equal", "发布了该模型。"),
                ),
            ),
        ],
        added=["Alibaba Cloud said the API is available now."],
        removed=["Benchmarks were not disclosed."],
        moved=["Qwen is Alibaba's family of large language models."],
        entities_added=["Alibaba Cloud"],
        entities_removed=["Tongyi"],
        template=[
            TemplateSentence(
                "edited", "(Reuters)Alibaba said on Wednesday", "Alibaba said on Wednesday"
            ),
            TemplateSentence("added", None, "Related Story: DeepSeek's R1, explained"),
        ],
        judged="reextracted",
    )
    return Digest(
        since=SINCE,
        until=UNTIL,
        new_articles=[
            NewArticle(
                article_id=1,
                url="https://news.example.com/deepseek-r1",
                title="DeepSeek 发布 R1 推理模型",
                source="example-news",
                published=datetime(2025, 1, 27, 10, 15, tzinfo=UTC),
                seen=SEEN,
                entities=["DeepSeek", "DeepSeek-R1", "梁文锋"],
            )
        ],
        edited_articles=[
            substantive,
            EditedArticle(
                article_id=3,
                url="https://news.example.com/kimi",
                title="Moonshot AI releases Kimi k1.5",
                source="example-news",
                seen=SEEN,
                from_version=2,
                to_version=3,
                kind="minor",
                edited=[
                    EditedSentence(
                        old="The company is based in Hangzhou , Zhejiang.",
                        new=MINOR_SENTENCE,
                        redline=(
                            ("equal", "The company is based in Hangzhou"),
                            ("delete", " "),
                            ("equal", ", Zhejiang."),
                        ),
                    )
                ],
            ),
            EditedArticle(
                article_id=4,
                url="https://news.example.com/zhipu",
                title="Zhipu AI files for IPO",
                source="example-news",
                seen=SEEN,
                from_version=3,
                to_version=4,
                kind="revert",
                revert_to=2,
                added=["Zhipu declined to comment."],
            ),
            EditedArticle(
                article_id=5,
                url="https://news.example.com/minimax",
                title="MiniMax raises $600 million",
                source="example-news",
                seen=SEEN,
                from_version=1,
                to_version=2,
                kind="correction",
                added=["Correction: an earlier version misstated the size of the round."],
            ),
        ],
        new_entities=[
            NewEntity(
                name="Kimi k1.5",
                type="model",
                known=False,
                first_url="https://news.example.com/kimi",
                first_title="Moonshot AI releases Kimi k1.5",
                context="Kimi k1.5 matches OpenAI's o1 on math benchmarks.",
                seen=SEEN,
            ),
            NewEntity(
                name="月之暗面",
                type="lab",
                known=True,
                first_url="https://news.example.com/kimi",
                first_title="Moonshot AI releases Kimi k1.5",
                context="月之暗面发布了 Kimi k1.5 多模态思考模型。",
                seen=SEEN,
            ),
        ],
        removed_articles=[
            RemovedArticle(
                6,
                "https://news.example.com/old",
                "StepFun story",
                SEEN,
                notice="该内容已被发布者删除",
            ),
            RemovedArticle(7, "https://news.example.com/back", "Baidu ERNIE 4.5", SEEN, True),
        ],
    )


def empty() -> Digest:
    return Digest(SINCE, UNTIL, [], [], [], [])


# Each attack, and the raw fragment that must never reach the output unescaped.
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
BROKEN = '"><b>broken'
HOSTILE = f"{SCRIPT} {IMG} {BROKEN} ]]> \x1b[31m"
EVIL_URL = "javascript:alert(1)"
QUOTE_URL = 'https://evil.example/"><script>alert(1)</script>'


def hostile() -> Digest:
    """Every scraped string replaced by an attack (titles, sentences, names, URLs, sources)."""
    digest = sample()
    h = HOSTILE
    return Digest(
        since=SINCE,
        until=UNTIL,
        new_articles=[
            replace(a, title=h, url=EVIL_URL, source=h, entities=[h]) for a in digest.new_articles
        ],
        edited_articles=[
            replace(
                c,
                title=h,
                url=QUOTE_URL if c.kind == "minor" else EVIL_URL,
                source=h,
                title_change=TitleChange(h, h),
                added=[h],
                removed=[h],
                moved=[h],
                edited=[EditedSentence(h, h, (("equal", h), ("delete", h), ("insert", h)))],
                entities_added=[h],
                entities_removed=[h],
            )
            for c in digest.edited_articles
        ],
        new_entities=[
            replace(e, name=h, type=h, first_url=EVIL_URL, first_title=h, context=h)
            for e in digest.new_entities
        ],
        removed_articles=[replace(r, title=h, url=QUOTE_URL) for r in digest.removed_articles],
    )


# --- JSON -----------------------------------------------------------------------------------


# The contracted keys, then the few extras (pinned too, so more do not creep in unnoticed).
NEW_ARTICLE_KEYS = {"url", "title", "source", "entities"} | {"id", "published", "seen"}
CHANGE_KEYS = {"from", "to", "kind", "added", "removed", "edited", "moved", "template", "judged"}
ENTITY_CHANGE_KEYS = {"entities_added", "entities_removed"}
EDITED_KEYS = {"url", "title", *CHANGE_KEYS, *ENTITY_CHANGE_KEYS} | {"id", "seen", "revert_to"}
EDITED_KEYS |= {"title_change", "fields", "source"}
ENTITY_KEYS = {"name", "type", "first_url", "context"} | {"known", "first_title", "seen"}
REMOVED_KEYS = {"url", "title"} | {"id", "restored", "seen", "notice"}
DIFF_KEYS = {"url", "title", *CHANGE_KEYS, *ENTITY_CHANGE_KEYS} | {"id", "seen", "revert_to"}
DIFF_KEYS |= {"fields", "source", "title_change"}


def test_digest_json_keys_are_the_contract() -> None:
    data = digest_json(sample())
    assert list(data) == [  # the same keys as ever, in the digest's order: what matters first
        "since", "until", "health_changes",
        "edited_articles", "removed_articles", "new_articles", "new_entities",
    ]  # fmt: skip
    assert (data["since"], data["until"]) == (
        "2025-01-27T09:00:00+00:00",
        "2025-01-28T09:00:00+00:00",
    )
    assert all(set(a) == NEW_ARTICLE_KEYS for a in data["new_articles"])
    assert all(set(c) == EDITED_KEYS for c in data["edited_articles"])
    edits = [e for c in data["edited_articles"] for e in c["edited"]]
    assert all(set(e) == {"old", "new", "redline"} for e in edits)  # README: with its redline
    assert all(set(e) == ENTITY_KEYS for e in data["new_entities"])
    assert all(set(r) == REMOVED_KEYS for r in data["removed_articles"])
    assert [r["restored"] for r in data["removed_articles"]] == [False, True]
    first = data["edited_articles"][0]
    assert (first["from"], first["to"], first["kind"]) == (1, 2, "substantive")
    assert first["edited"][0]["new"] == "The model was trained on over 20 trillion tokens."
    assert first["title_change"]["old"] == "Alibaba unveils Qwen2.5-Max"
    assert data["edited_articles"][2]["revert_to"] == 2
    assert data["new_articles"][0]["published"] == "2025-01-27T10:15:00+00:00"


def test_minor_edits_are_in_full_in_json() -> None:
    minor = digest_json(sample())["edited_articles"][1]
    assert minor["kind"] == "minor"
    assert minor["edited"][0]["new"] == MINOR_SENTENCE


def test_digest_json_edited_sentences_carry_the_redline_of_the_diff() -> None:
    edited = digest_json(sample())["edited_articles"][0]["edited"]
    assert edited[0]["redline"][1] == ["delete", "18 "]
    assert edited == diff_json(sample().edited_articles[0])["edited"]


def test_diff_json_keys_and_title_change() -> None:
    data = diff_json(sample().edited_articles[0])
    assert set(data) == DIFF_KEYS
    assert set(data["edited"][0]) == {"old", "new", "redline"}
    assert data["title"] == {
        "old": "Alibaba unveils Qwen2.5-Max",
        "new": "Alibaba says Qwen2.5-Max beats DeepSeek-V3",
    }
    assert data["edited"][0]["redline"][1] == ["delete", "18 "]
    assert diff_json(sample().edited_articles[2])["title"] is None


def test_json_output_keeps_chinese_unescaped() -> None:
    out = render_digest(sample(), "json")
    assert "DeepSeek 发布 R1 推理模型" in out and "\\u" not in out
    assert json.loads(out) == digest_json(sample())
    assert "除夕" in render_diff(sample().edited_articles[0], "json")


# --- text and Markdown ------------------------------------------------------------------------


def test_text_sections_redline_and_labels() -> None:
    out = render_digest(sample(), "text")
    for heading in ("New articles (1)", "Edited articles (4)", "New entities (2)",
                    "Removed articles (2)"):  # fmt: skip
        assert heading in out
    assert "The model was trained on [-18-] {+over 20+} trillion tokens." in out
    assert "阿里巴巴于[-周三-]{+除夕+}发布了该模型。" in out
    assert "+ Alibaba Cloud said the API is available now." in out
    assert "- Benchmarks were not disclosed." in out
    assert "~ Qwen is Alibaba's family" in out
    assert "reverted to version 2" in out.lower()
    assert "CORRECTION" in out
    assert "1 minor edit: Moonshot AI releases Kimi k1.5 (v2→v3)" in out
    assert MINOR_SENTENCE not in out and "Hangzhou" not in out
    assert "\x1b" not in out


def test_text_colour_uses_ansi_not_wdiff_marks() -> None:
    out = render_diff(sample().edited_articles[0], "text", color=True)
    assert "\x1b[31;9m18\x1b[0m" in out and "\x1b[32mover 20\x1b[0m" in out
    assert "[-" not in out


def test_text_never_passes_escape_sequences_from_pages() -> None:
    out = render_digest(hostile(), "text")
    assert "\x1b" not in out
    assert "]]> [31m" in out  # the page's ESC dropped, the rest shown as text


def test_markdown_escapes_and_collapses() -> None:
    out = render_digest(sample(), "md")
    assert "## Edited articles (4)" in out
    assert "<del>18</del> <ins>over 20</ins> trillion" in out
    assert "MiniMax raises \\$600 million" in out  # no GitHub $math$
    assert "[Moonshot AI releases Kimi k1.5](https://news.example.com/kimi)" in out
    assert "1 minor edit:" in out and "Hangzhou" not in out
    bad = render_digest(hostile(), "md")
    assert "<script" not in bad and "<img" not in bad and "<b>" not in bad
    assert "](javascript:" not in bad
    assert "](https://evil.example/%22%3E%3Cscript%3Ealert%281%29%3C/script%3E)" in bad


def test_markdown_renders_to_inert_html() -> None:
    """A real CommonMark renderer (markdown-it-py, which rich depends on), raw HTML allowed."""
    renderer = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    page = renderer.render(render_digest(sample(), "md"))
    tree = lxml.html.fragment_fromstring(page, create_parent="div")
    assert tree.xpath("//del[. = '周三']") and tree.xpath("//ins[. = '除夕']")
    assert tree.xpath("//a[@href='https://news.example.com/deepseek-r1']")
    bad = renderer.render(render_digest(hostile(), "md"))
    assert_inert_html(f"<html><body>{bad}</body></html>")
    assert "&lt;script&gt;" in bad


def test_diff_shows_minor_edit_sentences() -> None:
    minor = sample().edited_articles[1]
    assert "Hangzhou" in render_diff(minor, "html")
    assert "Hangzhou[- -], Zhejiang." in render_diff(minor, "text")


# --- HTML -----------------------------------------------------------------------------------


def assert_inert_html(html: str) -> None:
    """No element, attribute or link a hostile page could have injected."""
    assert "<script" not in html.lower() and "<img" not in html.lower() and "<b>" not in html
    assert 'href="javascript:' not in html.lower()
    tree = lxml.html.document_fromstring(html)
    assert not tree.xpath("//script | //img | //b | //iframe | //object")
    for element in tree.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name == "href":
                assert value.startswith(("https://", "http://")), value


def test_html_is_well_formed_and_self_contained() -> None:
    html = render_digest(sample(), "html")
    tree = lxml.html.document_fromstring(html)
    assert tree.find(".//meta").get("charset") == "utf-8"
    assert "2025-01-27 09:00" in tree.findtext(".//title")
    assert not tree.xpath("//style | //link | //script | //table")
    assert tree.xpath("//del[contains(., '18')]") and tree.xpath("//ins[contains(., 'over 20')]")
    assert tree.xpath("//a[@href='https://news.example.com/deepseek-r1']")
    assert "DeepSeek 发布 R1 推理模型" in html
    edited = [" ".join(e.text_content().split()) for e in tree.xpath("//div[del]")]
    assert "EDITED 阿里巴巴于周三除夕发布了该模型。" in edited  # no space between CJK tokens
    assert "EDITED The model was trained on 18 over 20 trillion tokens." in edited
    assert "1 minor edit:" in html and "Hangzhou" not in html
    assert "Reverted to version 2" in html and "Correction" in html
    assert_inert_html(html)


def test_html_escapes_hostile_text_everywhere() -> None:
    html = render_digest(hostile(), "html")
    assert_inert_html(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:alert(1)" in html  # shown as text, never as a link
    assert "\x1b" not in html
    assert_inert_html(render_diff(hostile().edited_articles[0], "html"))


# --- Atom -----------------------------------------------------------------------------------


def parse_atom(xml: str) -> lxml.etree._Element:
    return lxml.etree.fromstring(xml.encode())


def test_atom_has_one_entry_per_item_with_stable_ids() -> None:
    digest = sample()
    feed = parse_atom(render_digest(digest, "atom", feed_url="https://example.org/digest.atom"))
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 4 + 2 + 1 + 2  # edits, removals, new articles, entities
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids)
    again = parse_atom(render_digest(digest, "atom", feed_url="https://example.org/digest.atom"))
    assert [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")] == ids
    assert feed.findtext(f"{ATOM}id") == "https://example.org/digest.atom"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "https://example.org/digest.atom"
    for entry in entries:
        assert entry.findtext(f"{ATOM}updated") == "2025-01-28T06:30:00Z"
        assert entry.findtext(f"{ATOM}title")
        assert entry.find(f"{ATOM}content").get("type") == "html"
    edit = lxml.html.fragment_fromstring(entries[0].findtext(f"{ATOM}content"))
    assert edit.xpath("//del[. = '18']") and edit.xpath("//ins[. = 'over 20']")
    assert "月之暗面" in [e.findtext(f"{ATOM}title") for e in entries][8]


def test_atom_escapes_hostile_text() -> None:
    xml = render_digest(hostile(), "atom", feed_url=EVIL_URL)
    assert "<script" not in xml and "<img" not in xml and "]]>" not in xml
    feed = parse_atom(xml)
    assert not feed.xpath("//*[@href[starts-with(., 'javascript')]]")
    for entry in feed.findall(f"{ATOM}entry"):
        assert SCRIPT in entry.findtext(f"{ATOM}title")  # plain text, escaped by XML
        assert_inert_html(f"<html><body>{entry.findtext(f'{ATOM}content')}</body></html>")


# --- empty ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_digest_renders_in_every_format(fmt: str) -> None:
    out = render_digest(empty(), fmt)  # type: ignore[arg-type]
    if fmt == "json":
        data = json.loads(out)
        assert data["new_articles"] == data["edited_articles"] == []
        assert data["new_entities"] == data["removed_articles"] == []
    elif fmt == "atom":
        feed = parse_atom(out)
        assert feed.findall(f"{ATOM}entry") == []
        assert feed.findtext(f"{ATOM}id") == "tag:labscope,2025:digest"
    else:
        assert "Nothing new between 2025-01-27 09:00 UTC and 2025-01-28 09:00 UTC." in out
        if fmt == "html":
            assert_inert_html(out)


NOTE = "2 sentences changed with the site's template"


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "json"])
def test_every_format_says_what_the_verdict_set_aside_and_why_a_page_was_removed(
    fmt: str,
) -> None:
    """The recorded verdict is rendered, not recomputed: the template's sentences are counted
    (not listed as edits), and a removal shows the page's own words."""
    rendered = render_digest(sample(), fmt)  # type: ignore[arg-type]
    if fmt in ("html", "atom"):  # escaped once in HTML, twice in a feed's HTML content
        rendered = html.unescape(html.unescape(rendered))
    assert NOTE in rendered and "not counted as edits" in rendered
    assert "Related Story: DeepSeek" not in rendered
    assert "该内容已被发布者删除" in rendered
    assert "Judged now" not in rendered


def test_json_lists_the_template_sentences_and_how_the_edit_was_judged() -> None:
    data = digest_json(sample())
    first = data["edited_articles"][0]
    assert first["judged"] == "reextracted"
    assert first["template"][1] == {
        "kind": "added",
        "old": None,
        "new": "Related Story: DeepSeek's R1, explained",
    }
    assert data["removed_articles"][0]["notice"] == "该内容已被发布者删除"
    assert data["removed_articles"][1]["notice"] is None


@pytest.mark.parametrize("fmt", ["text", "html", "json"])
def test_a_diff_judged_now_says_so(fmt: str) -> None:
    change = replace(sample().edited_articles[0], judged="read_time", template=[])
    rendered = html.unescape(render_diff(change, fmt))  # type: ignore[arg-type]
    if fmt == "json":
        assert json.loads(rendered)["judged"] == "read_time"
    else:
        assert (
            "Judged now by today's rules: stored before labscope recorded its verdicts" in rendered
        )
    assert NOTE not in rendered


@pytest.mark.parametrize(
    ("fmt", "headings"),
    [
        ("text", ["Edited articles", "Removed articles", "New articles", "New entities"]),
        ("md", ["## Edited articles", "## Removed articles", "## New articles", "## New entities"]),
        ("html", ["Edited articles", "Removed articles", "New articles", "New entities"]),
        ("atom", [":article/2/v1-v2<", "/removed/", "/new<", ":entity/"]),
        ("json", ['"edited_articles"', '"removed_articles"', '"new_articles"', '"new_entities"']),
    ],
)
def test_digests_lead_with_edits_and_removals(
    fmt: Literal["text", "md", "html", "atom", "json"], headings: list[str]
) -> None:
    out = render_digest(sample(), fmt)
    places = [out.index(heading) for heading in headings]
    assert places == sorted(places), places


def test_new_models_and_people_come_first_and_unknown_names_apart() -> None:
    kimi, moonshot = sample().new_entities
    person = replace(moonshot, name="杨植麟", type="person")
    place = replace(moonshot, name="Beijing", type="place")
    ordered = sorted([kimi, place, moonshot, person], key=entity_rank)
    assert [e.name for e in ordered] == ["杨植麟", "Beijing", "月之暗面", "Kimi k1.5"]
