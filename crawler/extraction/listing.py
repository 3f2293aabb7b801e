"""Pages that are lists of links: index pages, section fronts, home pages.

trafilatura merges the teasers of an index page into one "article". Two measures tell such a
page from an article: how much of the extracted text its headline links and their summaries
make up (``teasers``), and how many headline links the page carries against the text it has
(``headline_links``): a section front has dozens of stories and little text of its own.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import islice
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from crawler.extraction.text import BLOCK_TAG, CJK, STANDALONE_SHARE, norm, weight
from crawler.urls import same_site

LIST_MARKER = re.compile(r"^(?:[-*•·]|\d{1,3}[.)])\s+")


def teasers(tree: HtmlElement, text: str) -> tuple[int, float]:
    """Count the teasers in ``text`` and the share of its characters their lines make up.

    trafilatura merges the teasers of an index page into one "article". A teaser is a
    headline-length link standing alone in its block (``<h3><a>``, ``<li><a>``: not a link inside
    a sentence), often followed by a summary block; a line of the text is a teaser's when that
    headline and summary make up most of it. An article's links sit inside its sentences, and
    the odd "Read more" link explains little of its text.
    """
    lines = "\n".join(LIST_MARKER.sub("", norm(line)) for line in text.splitlines())
    found: dict[int, int] = {}  # start of a line -> characters of headlines and summaries in it
    length: dict[int, int] = {}  # start of a line -> its length
    teasers: list[set[int]] = []  # the lines each teaser was found in
    block_text: dict[HtmlElement, str] = {}  # blocks can be large: read each one once

    def text_of(element: HtmlElement) -> str:
        if element not in block_text:
            block_text[element] = norm(element.text_content())
        return block_text[element]

    def locate(part: str) -> int | None:
        at = lines.find(part) if part else -1
        if at < 0:
            return None
        start = lines.rfind("\n", 0, at) + 1
        end = lines.find("\n", at)
        length[start] = (len(lines) if end < 0 else end) - start
        found[start] = min(found.get(start, 0) + len(part), length[start])
        return start

    seen: set[str] = set()
    for anchor in tree.iter("a"):
        headline = norm(anchor.text_content())
        if headline in seen or len(headline) < 15:
            continue
        if len(headline.split()) < 3 and len(CJK.findall(headline)) < 8:
            continue  # not headline-like: "Subscribe to our newsletter" passes, "Home" does not
        seen.add(headline)
        block = next((e for e in anchor.iterancestors() if BLOCK_TAG.fullmatch(e.tag)), anchor)
        if len(headline) < STANDALONE_SHARE * len(text_of(block)):
            continue  # a link inside a sentence
        siblings = islice((e for e in block.itersiblings() if isinstance(e.tag, str)), 2)
        summary = next((text_of(e) for e in siblings if len(text_of(e)) >= 40), "")
        card = block.getparent()  # a teaser's card holds little more than headline and summary
        if card is None or len(text_of(card)) > 1.5 * (len(headline) + len(summary)) + 40:
            summary = ""  # the paragraph after a "Related:" link in an article's body
        teasers.append({s for s in (locate(headline), locate(summary)) if s is not None})
    covered = {s for s, n in found.items() if n >= STANDALONE_SHARE * length[s]}
    count = sum(1 for starts in teasers if starts & covered)
    return count, sum(length[s] for s in covered) / max(len(lines), 1)


def story_links(
    tree: HtmlElement, page_url: str, canonical: str | None = None
) -> tuple[set[str], set[str]]:
    """Lower-cased texts of the page's headline links that stand alone in their block or head
    it (a card): the stories it points to. First those on this site (teasers, when they are in
    its text), then those on any site (what a section front is made of).

    The site is the fetched URL's and the one the page declares (its canonical link): a page
    of www.x.com links its stories as https://www.x.com/... wherever it was fetched from."""
    own = [page_url, *([canonical] if canonical else [])]
    pages = {_address(url) for url in own}
    sites: dict[str | None, bool] = {}
    here: set[str] = set()
    anywhere: set[str] = set()
    block_text: dict[HtmlElement, str] = {}  # blocks can be large: measure each one once
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        raw = anchor.text_content()  # the cheapest tests first: most links are menus
        if len(raw) < 15:
            continue
        text = norm(raw)
        if len(text) < 15 or (len(text.split()) < 3 and len(CJK.findall(text)) < 8):
            continue  # not headline-like: "Home", "More"
        try:
            absolute = urljoin(page_url, href)
            target = urlsplit(absolute)
        except ValueError:
            continue
        if target.path.rstrip("/") in ("", "/index.html") or _address(absolute) in pages:
            continue  # the home page ("Home", a logo) or this page: not a story
        block = next((e for e in anchor.iterancestors() if BLOCK_TAG.fullmatch(e.tag)), anchor)
        if block not in block_text:
            block_text[block] = norm(block.text_content())
        alone = len(text) >= STANDALONE_SHARE * len(block_text[block])
        if not alone and not block_text[block].startswith(text):
            continue  # a link inside a sentence, not a headline or a card's
        anywhere.add(text.lower())
        if target.hostname not in sites:
            sites[target.hostname] = any(same_site(absolute, url) for url in own)
        if sites[target.hostname]:
            here.add(text.lower())
    return here, anywhere


def _address(url: str) -> str:
    """A URL without its fragment, scheme and a trailing slash: this page's address."""
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}{parts.path.rstrip('/')}?{parts.query}"


def headline_mass(links: set[str]) -> int:
    """The summed weight of a page's story links: a section front's is many times its text."""
    return sum(weight(link) for link in links)


REPEATED = 3
MAX_REPEATED_LENGTH = 40
"""A short line repeated this many times is a widget's label under every card ("用微信扫码二维码",
"share"). The section-front check does not count it as the page's own text; the stored text
keeps it (a recipe's "Pre-workout meal" heading repeats too)."""


def own_text(text: str) -> str:
    """``text`` without the short lines it repeats REPEATED times or more."""
    lines = [norm(line) for line in text.split("\n")]
    counts = Counter(lines)
    return "\n".join(
        line
        for line in lines
        if line and not (len(line) <= MAX_REPEATED_LENGTH and counts[line] >= REPEATED)
    )
