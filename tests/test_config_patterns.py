"""The default config.toml's `follow` patterns, held against real captured link lists (issue 17
part 9): a pattern that misses a lab's posts loses them silently, run after run.

Each list is a real capture of the page a listing source crawls (tests/fixtures/README.md,
"Real pages: links", names where each came from). Every link of the page is made absolute as
Scrapy's LinkExtractor makes it, and `follow` is searched in it the same way: the lab's posts
must all match, and none of the page's other links (guides, pricing, the changelog).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import FIXTURES, ROOT

from crawler.config import SourceConfig, load_config

LINKS = FIXTURES / "real" / "links"
_MARKDOWN_LINK = re.compile(r"\]\(\s*([^)\s]+)")
# source name -> the captures of its listing page: (file, the URL it was captured at, what
# makes a link one of the lab's posts on that page).
CAPTURES: dict[str, list[tuple[str, str, str]]] = {
    "deepseek-news": [
        ("deepseek-zh-cn-sidebar.md", "https://api-docs.deepseek.com/zh-cn/", "/news/news"),
        ("deepseek-en-sidebar.md", "https://api-docs.deepseek.com/", "/news/news"),
    ],
}
UNCAPTURED = {
    "moonshot-blog": "platform.moonshot.ai/blog",
    "minimax-news": "www.minimax.io/news",
    "seed-blog": "seed.bytedance.com/en/blog",
}
"""Listing sources no capture of whose listing page was found in public repositories (the
labs publish no docs repository; RSSHub's routes name selectors, not links)."""


def listing_sources() -> dict[str, SourceConfig]:
    config = load_config(ROOT / "config.toml")
    return {s.name: s for s in config.sources if s.follow is not None}


def links(capture: Path, base: str) -> list[str]:
    return [urljoin(base, href) for href in _MARKDOWN_LINK.findall(capture.read_text("utf-8"))]


def test_every_listing_source_is_held_to_a_capture_or_named_as_missing_one() -> None:
    assert set(listing_sources()) == set(CAPTURES) | set(UNCAPTURED)


@pytest.mark.parametrize(
    ("name", "file", "base", "marker"),
    [(name, *capture) for name, captures in CAPTURES.items() for capture in captures],
)
def test_follow_takes_every_post_of_the_real_listing_and_nothing_else(
    name: str, file: str, base: str, marker: str
) -> None:
    follow = listing_sources()[name].follow
    assert follow is not None
    found = links(LINKS / file, base)
    posts = sorted({url for url in found if marker in url})
    others = sorted({url for url in found if marker not in url})
    assert len(posts) >= 10 and others  # the capture is the whole page, sidebar and all
    assert [url for url in posts if not follow.search(url)] == []
    assert [url for url in others if follow.search(url)] == []


def test_deepseeks_2024_posts_have_four_digit_names() -> None:
    """`news\\d{6}` missed them: 6 of the 14 posts of the captured sidebar, DeepSeek-V3 among
    them (news1226)."""
    found = links(LINKS / "deepseek-zh-cn-sidebar.md", "https://api-docs.deepseek.com/zh-cn/")
    short = sorted({url for url in found if re.search(r"/news/news\d{4}$", url)})
    assert short == [
        f"https://api-docs.deepseek.com/zh-cn/news/news{n}"
        for n in ("0725", "0802", "0905", "1120", "1210", "1226")
    ]
