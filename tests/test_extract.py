"""crawler.extract with the real trafilatura: small inline pages first, then the recorded fixtures.

The fixture pages carry ``{{BASE}}`` where the test server puts its host:port; the tests put
127.0.0.1:8000 there, as the server would.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from trafilatura import load_html
from trafilatura.metadata import extract_metadata

from crawler.extract import DATE_PARAMS, Extraction, ExtractionFailure, extract
from crawler.page_metadata import page_metadata

ROOT = Path(__file__).parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
DEMO_NEWS = ROOT / "crawler" / "demo_site" / "news"
BASE = "127.0.0.1:8000"

PARAGRAPHS = [
    "Hangzhou-based DeepSeek released a new reasoning model on Monday, saying it matches the "
    "best American systems on mathematics and coding tests at a fraction of the training cost.",
    "The company published the model weights under a permissive licence, and developers "
    "downloaded them hundreds of thousands of times within the first two days of the release.",
    "Analysts said the launch put pressure on rivals in Beijing and Shanghai, several of which "
    "cut the prices of their own application programming interfaces within the same week.",
]
NAV = """<header><nav><ul><li><a href="/">Home</a></li><li><a href="/ai">Artificial
Intelligence</a></li><li><a href="/chips">Semiconductors</a></li></ul></nav></header>"""
FOOTER = """<footer><p>© 2025 Example Ledger Media Ltd. All rights reserved.</p>
<a href="/privacy">Privacy policy</a> <a href="/cookies">Cookie settings</a></footer>"""


def page(body: str, head: str = "", lang: str = ' lang="en"') -> str:
    return (
        f"<!DOCTYPE html><html{lang}><head><meta charset='utf-8'>{head}</head>"
        f"<body>{NAV}<main>{body}</main>{FOOTER}</body></html>"
    )


def article(head: str = "", extra: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return page(
        f"""<article><h1>DeepSeek Releases a New Reasoning Model</h1>
        <p class="byline">By Lin Mei and Tom Walker</p>{paragraphs}{extra}</article>
        <section id="comments" class="comments-area"><h2>Comments</h2>
        <div class="comment"><p>Great article, first comment here, totally agree with it.</p>
        </div><form><textarea></textarea><button>Post Comment</button></form></section>""",
        head
        or """<title>DeepSeek Releases a New Reasoning Model | Example Ledger</title>
        <meta property="og:site_name" content="Example Ledger">
        <meta property="og:type" content="article">
        <meta name="author" content="Lin Mei; Tom Walker">
        <meta property="article:published_time" content="2025-01-20T09:30:00+08:00">
        <meta property="article:modified_time" content="2025-01-21T10:00:00+08:00">""",
    )


def extracted(html: str, url: str = "https://news.example.com/2025/deepseek.html") -> Extraction:
    result = extract(html, url)
    assert isinstance(result, Extraction), result
    return result


def refused(html: str, url: str = "https://news.example.com/2025/x.html") -> str:
    result = extract(html, url)
    assert isinstance(result, ExtractionFailure), result
    return result.reason


def fixture_html(path: Path) -> str:
    return path.read_text(encoding="utf-8").replace("{{BASE}}", BASE)


def test_article_text_and_metadata_without_boilerplate() -> None:
    result = extracted(article())
    assert result.title == "DeepSeek Releases a New Reasoning Model"
    lines = result.text.split("\n")
    assert all(p in lines for p in PARAGRAPHS)
    for boilerplate in ("Semiconductors", "All rights reserved", "Cookie settings", "Comment"):
        assert boilerplate not in result.text
    assert result.authors == ("Lin Mei", "Tom Walker")
    assert result.published == "2025-01-20T09:30:00+08:00"
    assert result.modified == "2025-01-21T10:00:00+08:00"
    assert result.language == "en"
    assert result.site_name == "Example Ledger"
    assert result.canonical_url is None


def test_title_loses_the_site_name_suffix() -> None:
    head = """<title>Qwen Tops a Coding Leaderboard - Example Ledger</title>
    <meta property="og:site_name" content="Example Ledger">"""
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    assert extracted(page(f"<article>{body}</article>", head)).title == (
        "Qwen Tops a Coding Leaderboard"
    )


def test_h1_wins_when_it_starts_the_title() -> None:
    head = "<title>DeepSeek Releases a New Reasoning Model :: ledger.example</title>"
    assert extracted(article(head)).title == "DeepSeek Releases a New Reasoning Model"


def test_date_without_a_stated_time_stays_a_day() -> None:
    head = '<meta name="date" content="2025-03-02"><title>A model</title>'
    result = extracted(article(head))
    assert result.published == "2025-03-02"
    assert result.modified is None


def test_copyright_year_is_no_publication_date() -> None:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    result = extracted(page(f"<article>{body}</article>", "<title>Undated</title>"))
    assert "© 2025" in page("")
    assert result.published is None


def test_relative_canonical_link_is_made_absolute() -> None:
    head = '<link rel="canonical" href="../2025/deepseek.html?id=7"><title>x</title>'
    result = extracted(article(head), "https://news.example.com/amp/deepseek.html")
    assert result.canonical_url == "https://news.example.com/2025/deepseek.html?id=7"


def test_og_url_is_the_fallback_canonical() -> None:
    head = '<meta property="og:url" content="//news.example.com/a.html"><title>x</title>'
    assert extracted(article(head)).canonical_url == "https://news.example.com/a.html"


@pytest.mark.parametrize("href", ["javascript:void(0)", "mailto:desk@example.com", "data:,x"])
def test_non_http_canonical_is_dropped(href: str) -> None:
    head = f'<link rel="canonical" href="{href}"><title>x</title>'
    assert extracted(article(head)).canonical_url is None


def test_gbk_chinese_page_decoded_as_gb18030() -> None:
    body = (
        "<h1>深度求索发布新一代推理模型</h1>"
        "<p>一月二十日，总部位于杭州的深度求索公司发布推理模型，称其在数学和编程测试中的表现"
        "与国际领先模型相当，而训练成本只是对方的一小部分。</p>"
        "<p>该公司以宽松的许可证公开了模型权重，发布后两天内开发者下载量达到数十万次。"
        "分析人士认为，此举给北京和上海的竞争对手带来了压力。</p>"
    )
    raw = (
        "<html><head><meta charset='gbk'><title>深度求索发布新一代推理模型 - 科技日报</title>"
        "<meta property='og:site_name' content='科技日报'></head><body>"
        "<nav><a href='/'>首页</a> <a href='/ai'>人工智能</a></nav>"
        f"<article>{body}</article><footer>版权所有 科技日报社</footer></body></html>"
    )
    html = raw.encode("gbk").decode("gb18030")
    result = extracted(html)
    assert result.title == "深度求索发布新一代推理模型"
    assert "总部位于杭州的深度求索公司发布推理模型" in result.text
    assert result.language == "zh"  # no <html lang>: guessed from the script


def test_short_chinese_news_flash_is_an_article() -> None:
    flash = "智谱宣布开源新一代基座模型，参数规模为三百二十亿，采用宽松许可证，开发者可免费商用。"
    body = f"<article><h1>智谱开源新模型</h1><p>{flash * 2}</p></article>"
    assert len(flash * 2) < 200
    assert flash in extracted(page(body, "<title>智谱开源新模型</title>", ' lang="zh-CN"')).text


def listing(items: int = 10, head: str = "<title>Latest news | Example Ledger</title>") -> str:
    cards = "".join(
        f"""<li class="card"><h3><a href="/2025/story-{i}.html">Chinese AI Lab Number {i} Ships
        Another Open Model</a></h3><p class="dek">The start-up says its model {i} beats rivals on
        reasoning benchmarks.</p><time datetime="2025-02-{i + 1:02d}">February {i + 1}</time>
        </li>"""
        for i in range(items)
    )
    return page(f"<h1>Latest news</h1><ul class='cards'>{cards}</ul>", head)


def test_listing_page_is_refused_as_a_link_list() -> None:
    reason = refused(listing())
    assert reason.startswith("page looks like a list of links (10 headline links make up ")


def test_listing_that_claims_to_be_an_article_is_still_refused() -> None:
    head = """<title>Latest</title><meta property="og:type" content="article">
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": "Latest"}</script>"""
    assert refused(listing(head=head)).startswith("page looks like a list of links")


ARTICLE_OG = '<meta property="og:type" content="article">'
ARTICLE_LD = '<script type="application/ld+json">{"@type": "NewsArticle"}</script>'
WEBSITE_OG = '<meta property="og:type" content="website">'
COLLECTION_LD = """<script type="application/ld+json">{"@context": "https://schema.org",
"@type": "CollectionPage", "mainEntity": {"@type": "ItemList", "itemListElement": [
{"@type": "ListItem", "item": {"@type": "NewsArticle", "url": "/2025/s0.html"}}]}}</script>"""


@pytest.mark.parametrize(
    ("head", "kept"),
    [(ARTICLE_OG, True), (ARTICLE_LD, True), (WEBSITE_OG, False), (COLLECTION_LD, False)],
)
def test_a_declared_article_must_be_clearly_a_list(head: str, kept: bool) -> None:
    """4 teasers under 3 paragraphs make up about a third of the text: a list only if undeclared."""
    cards = "".join(
        f'<li class="card"><h3><a href="/2025/s{i}.html">Lab number {i} ships an open model</a>'
        f"</h3><p>The start-up says model {i} beats its rivals on reasoning tests.</p></li>"
        for i in range(4)
    )
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    result = extract(
        page(f"<div>{paragraphs}<ul>{cards}</ul></div>", f"<title>AI</title>{head}"),
        "https://news.example.com/ai/",  # a section, not the front page (refused as a home page)
    )
    if kept:
        assert isinstance(result, Extraction), result
        assert "model 3 beats its rivals" in result.text
    else:
        assert isinstance(result, ExtractionFailure)
        assert result.reason.startswith(
            "page looks like a list of links (4 headline links make up 3"
        )


def test_a_short_main_extraction_gets_trafilaturas_fallbacks() -> None:
    """Precision mode drops a bordered block: the main extractor keeps only the lead, under
    FALLBACK_BELOW_WEIGHT, so readability's and jusText's answers are compared with it."""
    lead = (
        "DeepSeek, the Hangzhou start-up, said on Monday that its new reasoning model had been "
        "trained on far fewer chips than its rivals used, and that it would publish the weights "
        "for researchers to study and adapt within the next few weeks, free of charge."
    )
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = page(
        f"<h1>DeepSeek Releases a New Reasoning Model</h1><p>{lead}</p>"
        f"<div style='border-left: 1px solid'>{paragraphs}</div>",
        "<title>DeepSeek Releases a New Reasoning Model | Example Ledger</title>",
    )
    text = extracted(html).text
    assert text.startswith(lead)
    assert all(p in text for p in PARAGRAPHS)


def test_a_notice_kept_instead_of_the_article_gives_way_to_the_default_mode() -> None:
    """Precision mode deletes <header> elements, here the one holding the article (on Barron's,
    deleting it left a reprint notice). The notice is too long for jusText's rescue, and
    readability passes over a "masthead"; trafilatura's default mode finds the article."""
    notice = (
        "This copy is for your personal, non-commercial use only. To order presentation-ready "
        "copies for distribution to your colleagues, clients or customers, visit our reprints "
        "desk or call the number printed at the foot of this page. Reprints of this article "
        "are subject to licence terms."
    )
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = page(
        f"<div class='reprint'><p>{notice}</p></div>"
        f"<h1>DeepSeek Releases a New Reasoning Model</h1>"
        f"<header class='masthead'>{paragraphs}</header>",
        "<title>DeepSeek Releases a New Reasoning Model | Example Ledger</title>",
    )
    text = extracted(html).text
    assert all(p in text for p in PARAGRAPHS)


def test_a_short_article_is_not_padded_with_what_the_default_mode_adds() -> None:
    """The default mode also keeps an author box that precision mode drops: a third more text,
    not RETRY_MIN_GROWTH times as much, so the short article is stored without it."""
    short = f"{PARAGRAPHS[0]} {PARAGRAPHS[1]}"
    box = (
        "Lin Mei covers Chinese technology companies for Example Ledger from Beijing, and "
        "previously reported from Shanghai."
    )
    html = page(
        f"<article><h1>DeepSeek Releases a New Reasoning Model</h1><p>{short}</p>"
        f"<div class='article-bottom'><p>{box}</p></div></article>",
        "<title>DeepSeek Releases a New Reasoning Model | Example Ledger</title>",
    )
    text = extracted(html).text
    assert short in text
    assert box not in text


def test_article_with_read_more_links_is_kept() -> None:
    extra = "".join(
        f'<p><a href="/2025/other-{i}.html">Read more: Chinese lab {i} cuts its API prices</a></p>'
        for i in range(4)
    )
    result = extracted(article(extra=extra))
    assert all(p in result.text for p in PARAGRAPHS)


def test_binary_garbage_is_refused() -> None:
    garbage = random.Random(7).randbytes(4096)
    for html in (garbage.decode("latin-1"), garbage.decode("utf-8", errors="replace")):
        assert refused(html).startswith("not HTML (binary content: ")


@pytest.mark.parametrize("html", ["", "   \n\t"])
def test_empty_page_is_refused(html: str) -> None:
    assert refused(html) == "empty page"


def test_page_without_article_text_is_refused() -> None:
    reason = refused(page("<div class='preloader'>Loading Now</div>"))
    assert re.fullmatch(r"text too short \(\d+ characters; need 200\)", reason), reason


def test_short_reason_counts_cjk() -> None:
    body = "<article><p>深度求索发布新模型，性能领先。</p></article>"
    reason = refused(page(body, "<title>x</title>", ' lang="zh"'))
    assert re.fullmatch(
        r"text too short \(\d+ characters, 13 CJK counted 3 times; need 200\)", reason
    )


@pytest.mark.parametrize(
    "html",
    [
        "<",
        "\x00\x01",
        '{"data": [1, 2, 3], "next": null}',
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>",
        "<html>" + "<div>" * 5000 + "deep" + "</div>" * 5000 + "</html>",
        "<html><head><link rel=canonical href='http://[::1'></head><body><p>x</p></body></html>",
    ],
)
def test_odd_input_never_raises(html: str) -> None:
    assert isinstance(extract(html, "https://news.example.com/"), ExtractionFailure)


def test_deepseek_fixture_matches_its_expectations() -> None:
    expected = json.loads((FIXTURES / "deepseek-emerges.expected.json").read_text("utf-8"))
    url = f"http://{BASE}/news/2025/deepseek-emerges.html"
    result = extracted(fixture_html(DEMO_NEWS / "2025" / "deepseek-emerges.html"), url)
    assert result.title == expected["title"]
    assert result.authors == (expected["author"],)
    assert result.published and result.published.startswith(expected["published"])
    assert result.language == expected["language"]
    assert result.canonical_url == url
    lines = result.text.split("\n")
    assert [p for p in expected["text_paragraphs"] if p not in lines] == []
    assert [s for s in expected["must_not_contain"] if s in result.text] == []


def test_gbk_fixture_decoded_as_gb18030() -> None:
    raw = (DEMO_NEWS / "2025" / "baidu-ernie.gbk.html").read_bytes()
    html = raw.decode("gb18030").replace("{{BASE}}", BASE)
    result = extracted(html, f"http://{BASE}/news/2025/baidu-ernie.gbk.html")
    assert result.language == "zh"
    assert "文心" in result.title
    assert "百度正式发布文心大模型4.5" in result.text


@pytest.mark.parametrize(
    "path", [FIXTURES / "broken" / "listing-like.html", DEMO_NEWS / "index.html"]
)
def test_listing_fixtures_are_refused_as_link_lists(path: Path) -> None:
    reason = refused(fixture_html(path), f"http://{BASE}/news/index.html")
    assert reason.startswith("page looks like a list of links (")


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8"])
def test_garbage_fixture_is_refused(encoding: str) -> None:
    raw = (FIXTURES / "broken" / "garbage.html").read_bytes()
    assert refused(raw.decode(encoding, errors="replace")).startswith("not HTML (binary content")


def test_empty_fixture_is_refused() -> None:
    reason = refused(fixture_html(FIXTURES / "broken" / "empty.html"))
    assert reason.startswith(("no article text found", "text too short ("))


JSON_LD = """<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Kimi k1.5",
"author": {"@type": "Person", "name": "Zhang Wei"}, "datePublished": "2025-01-21",
"publisher": {"@type": "Organization", "name": "Ledger Asia"}}</script>"""
METADATA_PAGES = {
    "meta tags": article(),
    "byline only": article("<title>DeepSeek Releases a New Reasoning Model</title>"),
    "one-word author": article('<title>T</title><meta name="author" content="admin">'),
    "json-ld": article(f"<title>Kimi k1.5 - Ledger</title>{JSON_LD}"),
    "lower-case site": article('<meta property="og:site_name" content="example ledger">'),
    "twitter site": article('<meta name="twitter:site" content="@ledger">'),
    "nothing": page("".join(f"<p>{p}</p>" for p in PARAGRAPHS)),
    **{
        str(path.relative_to(ROOT)): path.read_bytes().decode("utf-8", "replace")
        for folder in (DEMO_NEWS, FIXTURES / "edited", FIXTURES / "hostile" / "pages")
        for path in sorted(folder.rglob("*.html"))
    },
}


@pytest.mark.parametrize("name", sorted(METADATA_PAGES))
def test_page_metadata_is_trafilaturas_but_for_what_we_do_not_store(name: str) -> None:
    """crawler.page_metadata repeats extract_metadata's steps: a trafilatura upgrade that
    changes them shows here, not as quietly different titles, bylines or dates."""
    tree = load_html(METADATA_PAGES[name])
    url = "https://news.example.com/2025/x.html"
    ours = page_metadata(tree, url, DATE_PARAMS)
    theirs = extract_metadata(tree, url, dict(DATE_PARAMS))
    fields = ("title", "author", "url", "description", "sitename", "date", "pagetype", "image")
    assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]
