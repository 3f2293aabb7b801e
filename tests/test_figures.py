"""Figures an edit changed (storage.figures): found in the aligned edited sentences and listed
under "figures" in `diff --format json`, the digest's JSON, and first in the human formats."""

from __future__ import annotations

import pytest
from conftest import Labscope, source
from lxml import html as lxml_html

from crawler.site_server import SiteServer
from storage.figures import FigureChange, figure_changes, figures_in

DEEPSEEK = "/news/2025/deepseek-emerges.html"
LAUNCH = "On January 20, the Hangzhou-based company introduced DeepSeek-R1"
PRICE = "DeepSeek charges $0.55 per million input tokens for R1."


@pytest.mark.parametrize(
    ("sentence", "figures"),
    [
        ("Qwen2.5-Max beat GPT-4 and DeepSeek V3 on 28 Jan 2025.", ["28 Jan 2025"]),
        (
            "It scored 85.3% with 671B parameters and $1.2 billion.",
            ["85.3%", "671B", "$1.2 billion"],
        ),
        ("In 2024, 3 labs served 1,000,000 users.", ["2024", "3", "1,000,000"]),
        ("月之暗面于2025年1月20日发布Kimi K1.5，售价2元。", ["2025年1月20日", "2元"]),
        ("融资三千亿元，成本降低百分之三十，用户两万。", ["三千亿元", "百分之三十", "两万"]),
    ],
)
def test_figures_are_found_and_names_are_not(sentence: str, figures: list[str]) -> None:
    assert figures_in(sentence) == figures


def test_only_changed_figures_are_listed() -> None:
    pairs = [
        (
            "It costs $0.50 and ships on January 20, 2025.",
            "It costs $0.80 and ships on January 22, 2025.",
        ),
        ("It costs $0.5 now.", "It costs $0.50 today, up from 2 cents."),  # same figure, one new
        ("售价为每百万tokens 2元，于1月20日上线。", "售价为每百万tokens 1元，于1月20日上线。"),
    ]
    assert figure_changes(pairs) == [
        FigureChange("$0.50", "$0.80", pairs[0][1]),
        FigureChange("January 20, 2025", "January 22, 2025", pairs[0][1]),
        FigureChange("2元", "1元", pairs[2][1]),
    ]


def test_an_edit_of_a_price_and_a_date_lists_both_figures(
    site: SiteServer, labscope: Labscope
) -> None:
    page = (site.root / DEEPSEEK.lstrip("/")).read_text(encoding="utf-8")
    assert LAUNCH in page
    first = page.replace(LAUNCH, f"{PRICE} {LAUNCH}", 1)
    site.set_page(DEEPSEEK, first.encode())
    labscope.write_config(source("deepseek", "page", site.url(DEEPSEEK)))
    assert labscope("crawl").code == 0
    cheaper = PRICE.replace("$0.55", "$0.14")
    later = LAUNCH.replace("January 20", "January 22")
    site.set_page(DEEPSEEK, first.replace(PRICE, cheaper).replace(LAUNCH, later).encode())
    assert labscope("crawl").code == 0

    expected = [("$0.55", "$0.14"), ("January 20", "January 22")]
    diff = labscope("diff", site.url(DEEPSEEK), "--format", "json").json()
    assert [(f["old"], f["new"]) for f in diff["figures"]] == expected
    assert diff["figures"][0]["sentence"] == cheaper
    assert diff["figures"][1]["sentence"].startswith(later)

    digest = labscope("digest", "--json").json()
    (change,) = digest["edited_articles"]
    assert change["figures"] == diff["figures"]

    text = labscope("digest").stdout
    entry = text[text.index("Edited articles") :]
    assert "Figures: $0.55 → $0.14; January 20 → January 22" in entry
    assert entry.index("Figures:") < entry.index("±")  # the figures lead the entry

    markdown = labscope("digest", "--format", "md").stdout
    assert "**Figures:** <del>\\$0.55</del> → <ins>\\$0.14</ins>; <del>January 20</del>" in markdown
    assert markdown.index("**Figures:**") < markdown.index("- Edited:")

    document = lxml_html.fromstring(labscope("digest", "--format", "html").stdout)
    (line,) = document.xpath("//div[strong='Figures:']")
    assert [d.text for d in line.xpath("del")] == ["$0.55", "January 20"]
    assert [i.text for i in line.xpath("ins")] == ["$0.14", "January 22"]
