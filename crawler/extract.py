"""The one typed adapter around trafilatura: ``extract(html, url)``.

trafilatura's public API takes two dozen keyword arguments and answers ``None`` without saying
why. The rest of labscope calls :func:`extract` instead, so the options are fixed in one place
(and measured by ``bench.extraction_quality``) and every refusal carries a one-line reason for
the logs and the run summary. It never raises: a bad page is counted, never fatal (STYLE.md 4, 9).

The HTML is parsed once, by trafilatura's own loader; trafilatura works on a copy of that tree,
and our checks and the metadata (crawler.page_metadata) read the original. What happens between
trafilatura's calls lives in crawler.extraction: the element a page marks as its article
(``bodies``), chrome lines that are not article text (``chrome``), pages that are lists
(``listing``) or not articles at all (``kinds``), and the page's own fields (``fields``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import trafilatura
from lxml.html import HtmlElement, document_fromstring
from trafilatura.settings import Document

from crawler.extraction import fields, kinds
from crawler.extraction.bodies import body_document, drop_empty_inline, marked_body
from crawler.extraction.chrome import strip_chrome
from crawler.extraction.listing import story_links, teasers
from crawler.extraction.refresh import find_refresh
from crawler.extraction.text import CJK, visible_text, weight
from crawler.page_metadata import page_metadata

# Chosen by measuring word-shingle F1 on the article-extraction-benchmark corpus (181 news pages;
# bench.extraction_quality, whose docstring has the other options' figures): defaults 0.953,
# these 0.971 with 0 of 181 pages refused. Tables off lower F1 and lose whole pages.
_TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,  # reader comments are not the article and change on every visit
    "include_tables": True,  # without tables, article text is lost (a table-laid page entirely)
    "favor_precision": True,  # less boilerplate (related links, bylines) in every stored version
    "fast": True,  # the main extractor only: the fallbacks run below FALLBACK_BELOW_WEIGHT
    "with_metadata": False,  # read by crawler.page_metadata, without what we never store
}
_FALLBACKS = {**_TRAFILATURA_OPTIONS, "fast": False}  # compared with readability and jusText
_RETRY = {**_FALLBACKS, "favor_precision": False}  # for too short a text only
# For a short text: the default mode's main extractor. With its fallbacks it found the same
# lengths on the corpus, but readability on a whole 600 kB page took 33 MB more memory.
_DEFAULT_MODE = {**_TRAFILATURA_OPTIONS, "favor_precision": False}
# No free-text date search: on a page without a date it turns "© 2025" into 2025-01-01, which
# would beat the feed's real date. On the corpus it found 2 dates more of 181.
# Public: bench.stage_costs times the metadata stage with the same options.
DATE_PARAMS = {"original_date": True, "extensive_search": False}

FALLBACK_BELOW_WEIGHT = 500
"""trafilatura's fallback extractors (readability, jusText) run only when its main extractor
keeps less than this (about two paragraphs): that is where it misses articles. They take half
of trafilatura's time; on the corpus they rescued 2 pages of 181, both under 350 characters,
and changed 3 longer ones, one for the worse (readability's 3,933 characters of links over 894
of article)."""

RETRY_MIN_GROWTH = 2
"""A short text (under FALLBACK_BELOW_WEIGHT even after the fallbacks) is replaced by what
trafilatura's default mode keeps when that is this many times longer. Precision mode deletes
<header> elements, and on Barron's that left a reprint notice of 260 characters where the
default mode finds the article (3,213). On a genuinely short article the default mode only adds
chrome: WSJ's 367-character teaser became 598."""

MIN_TEXT_WEIGHT = 200
"""Shorter texts are stubs, paywalls or error pages. A CJK character counts 3, about a short
English word: Chinese news flashes are 100 to 300 characters long."""
MAX_BINARY_SHARE = 0.05
"""Share of control or U+FFFD characters above which the input is binary decoded as text."""
LIST_MIN_TEASERS = 4
LIST_MIN_SHARE = 0.25
LIST_MIN_SHARE_ARTICLE = 0.5
"""A page is a list of links when at least 4 teasers (headline links and their summaries) make
up this share of the text. A page declaring itself an article (og:type, JSON-LD @type) must be
clearly a list: on the corpus real articles reach 24% ("Related:" links, the paragraph after
each taken for a summary); the demo site's listings reach 99 to 100%."""

_BINARY_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")


@dataclass(frozen=True)
class Extraction:
    """An article's text and metadata, as stored for every version of it."""

    title: str
    text: str
    """Plain text, paragraphs separated by "\\n" exactly as trafilatura gives them; no comments."""
    authors: tuple[str, ...]
    published: str | None
    """ISO 8601: "YYYY-MM-DD", or the page's full timestamp when it names that same day."""
    modified: str | None
    """ISO 8601, only from an explicit modification date in the page's metadata."""
    language: str | None
    site_name: str | None
    canonical_url: str | None
    """Absolute http(s) URL from <link rel=canonical> or og:url; None when absent or unusable."""


@dataclass(frozen=True)
class ExtractionFailure:
    """Why a page gave no article; ``reason`` is one line for logs and run summaries."""

    reason: str


MARKED_MIN_GROWTH = 1.5
"""The element the page marks as its article (crawler.extraction.bodies) is extracted alone
when its visible text weighs this many times what trafilatura kept of the whole page. The rule
reads the article's own element, so the same article gives the same choice in every capture,
whatever the sidebars hold that day."""


def extract(html: str, url: str, *, declared: bool = False) -> Extraction | ExtractionFailure:
    """Extract the article in ``html`` (already decoded) fetched from ``url``; never raises.

    ``declared``: the source says this URL is an article (a ``page`` source, a changelog), so
    the guesses at other kinds of page (home page, section front, website page) are skipped."""
    try:
        return _extract(html, url, declared)
    except Exception as error:  # lxml and trafilatura raise many types: a crash fails one page
        message = " ".join(str(error).split())[:200]
        return ExtractionFailure(f"extractor crashed: {type(error).__name__}: {message}")


def _extract(html: str, url: str, declared: bool) -> Extraction | ExtractionFailure:
    if not html.strip():
        return ExtractionFailure("empty page")
    binary = len(_BINARY_CHARS.findall(html)) / len(html)
    if binary > MAX_BINARY_SHARE:
        return ExtractionFailure(
            f"not HTML (binary content: {binary:.0%} control or replacement characters)"
        )
    tree = trafilatura.load_html(html)
    if tree is None:
        return ExtractionFailure(_unparsed(html, url))
    json_ld = fields.json_ld(tree)
    refresh = find_refresh(tree, url)
    drop_empty_inline(tree)
    meta = page_metadata(tree, url, DATE_PARAMS)
    authors = tuple(a.strip() for a in (meta.author or "").split(";") if a.strip())
    found = _trafilatura_text(tree, url, json_ld)
    if isinstance(found, ExtractionFailure):
        return found
    doc, whole = found  # the list-page checks read the text before its chrome is stripped
    canonical = fields.canonical_url(tree, url)
    links, stories = story_links(tree, url, canonical)
    text = strip_chrome(whole, tree, links, authors)
    body = marked_body(tree)
    wanted = MARKED_MIN_GROWTH * weight(text)
    if (
        body is not None
        and weight(body.text_content()) >= wanted  # an upper bound, cheap to read
        and weight(visible_text(body)) >= wanted
    ):
        marked = _trafilatura_text(body_document(body), url, [], fallbacks=False)
        if not isinstance(marked, ExtractionFailure):
            marked_text = strip_chrome(marked[1], tree, links, authors)
            if weight(marked_text) > weight(text):
                doc, whole, text = marked[0], marked[1], marked_text
    title = fields.title(tree, meta.title, meta.sitename)
    if reason := kinds.refresh_stub(refresh, text) or kinds.error_page(title, tree, text):
        return ExtractionFailure(reason)
    article = fields.declares_article(tree, meta.pagetype, json_ld)
    if not declared and (
        reason := kinds.home_page(canonical, url, article)
        or kinds.section_front(stories, text, article)
    ):
        return ExtractionFailure(reason)
    if not isinstance(doc, Document) or not text.strip():
        return ExtractionFailure("no article text found")
    if weight(text) < MIN_TEXT_WEIGHT:
        cjk = len(CJK.findall(text))
        counted = f", {cjk} CJK counted 3 times" if cjk else ""
        return ExtractionFailure(
            f"text too short ({len(text)} characters{counted}; need {MIN_TEXT_WEIGHT})"
        )
    limit = LIST_MIN_SHARE_ARTICLE if article else LIST_MIN_SHARE
    count, share = teasers(tree, whole)
    if count >= LIST_MIN_TEASERS and share >= limit:
        return ExtractionFailure(
            f"page looks like a list of links ({count} headline links make up {share:.0%} "
            "of the text)"
        )
    og_type = fields.meta(tree, "og:type")
    if not declared and (
        reason := kinds.website_page(og_type, json_ld, bool(meta.date), bool(authors))
    ):
        return ExtractionFailure(reason)
    return Extraction(
        title=title,
        text=text,
        authors=authors,
        published=fields.published(tree, json_ld, meta.date),
        modified=fields.iso(
            fields.meta(tree, "article:modified_time", "og:updated_time", "datemodified")
            or fields.ld_value(json_ld, "dateModified")
        ),
        language=fields.language(tree, text),  # trafilatura names one only when filtering by it
        site_name=meta.sitename or None,
        canonical_url=canonical,
    )


def _trafilatura_text(
    tree: HtmlElement, url: str, json_ld: list[dict[str, Any]], fallbacks: bool = True
) -> tuple[object, str] | ExtractionFailure:
    """trafilatura's Document and text: precision mode, its fallbacks for a short text, and the
    default mode when precision mode kept too little (see RETRY_MIN_GROWTH). A marked article
    element is read without the fallbacks: readability and jusText merged WeChat's paragraphs
    into one line, and inside the article's own element they have no sidebar to avoid."""
    doc = trafilatura.bare_extraction(tree, url=url, **_TRAFILATURA_OPTIONS)
    text = _text(doc)
    if fallbacks and weight(text) < FALLBACK_BELOW_WEIGHT:
        doc = trafilatura.bare_extraction(tree, url=url, **_FALLBACKS)
        text = _text(doc)
    if weight(text) >= FALLBACK_BELOW_WEIGHT:
        return doc, text
    too_short = weight(text) < MIN_TEXT_WEIGHT
    if too_short and fields.paywalled(tree, json_ld):  # the retry would take its chrome for text
        return ExtractionFailure("paywalled: only a teaser and a subscription prompt served")
    # Precision mode can keep one teaser of an index page, or a notice instead of the article:
    # see what trafilatura's default mode keeps before refusing or storing it. On a short
    # article it adds some chrome, so above the refusal line it must find RETRY_MIN_GROWTH
    # times as much.
    options = _RETRY if too_short and fallbacks else _DEFAULT_MODE
    retry = trafilatura.bare_extraction(tree, url=url, **options)
    retry_text = _text(retry)
    if len(retry_text) > (len(text) if too_short else RETRY_MIN_GROWTH * len(text)):
        return retry, retry_text
    return doc, text


def _unparsed(html: str, url: str) -> str:
    """Why trafilatura found no document: a bare refresh stub says where it sends readers."""
    try:
        refresh = find_refresh(document_fromstring(html), url)
    except Exception:  # lxml refuses some inputs outright ("Document is empty")
        refresh = None
    return kinds.refresh_stub(refresh, "") or "not HTML (no document structure could be parsed)"


def _text(doc: object) -> str:
    """A Document's text as trafilatura.extract() returns it (NFC), "" for no Document."""
    text = doc.text if isinstance(doc, Document) else None
    return unicodedata.normalize("NFC", text or "")
