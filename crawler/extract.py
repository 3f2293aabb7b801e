"""The one typed adapter around trafilatura: ``extract(html, url)``.

trafilatura's public API takes two dozen keyword arguments and answers ``None`` without saying
why. The rest of labscope calls :func:`extract` instead, so the options are fixed in one place
(and measured by ``bench/extraction_quality.py``) and every refusal carries a one-line reason for
the logs and the run summary. It never raises: a bad page is counted, never fatal (STYLE.md 4, 9).

The HTML is parsed once, by trafilatura's own loader; trafilatura works on a copy of that tree,
and our checks (teaser links, canonical link, ``<h1>``, JSON-LD dates) and the metadata
(crawler.page_metadata) read the original.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import Document

from crawler.page_metadata import page_metadata

# Chosen by measuring word-shingle F1 on the article-extraction-benchmark corpus (181 news pages;
# bench/extraction_quality.py, whose docstring has the other options' figures): defaults 0.953,
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
_DATE_PARAMS = {"original_date": True, "extensive_search": False}

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
STANDALONE_SHARE = 2 / 3
"""A link stands alone when it is this much of its block; a line is a teaser's when its
headline and summary are this much of it."""

_BINARY_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")
_PAYWALL = re.compile(r"paywall|subscriber-only|premium-content", re.IGNORECASE)
_LIST_MARKER = re.compile(r"^(?:[-*•·]|\d{1,3}[.)])\s+")
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7af]")
_ARTICLE_TYPE = re.compile("article|posting", re.IGNORECASE)
_BLOCK_TAG = re.compile(
    r"p|li|d[dt]|div|t[dh]|article|section|header|footer|aside|main|body|h[1-6]"
)
_TITLE_SEPARATORS = "|:·•»-\u2013\u2014"  # also en and em dashes


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


def extract(html: str, url: str) -> Extraction | ExtractionFailure:
    """Extract the article in ``html`` (already decoded) fetched from ``url``; never raises."""
    try:
        return _extract(html, url)
    except Exception as error:  # lxml and trafilatura raise many types: a crash fails one page
        message = " ".join(str(error).split())[:200]
        return ExtractionFailure(f"extractor crashed: {type(error).__name__}: {message}")


def _extract(html: str, url: str) -> Extraction | ExtractionFailure:
    if not html.strip():
        return ExtractionFailure("empty page")
    binary = len(_BINARY_CHARS.findall(html)) / len(html)
    if binary > MAX_BINARY_SHARE:
        return ExtractionFailure(
            f"not HTML (binary content: {binary:.0%} control or replacement characters)"
        )
    tree = trafilatura.load_html(html)
    if tree is None:
        return ExtractionFailure("not HTML (no document structure could be parsed)")
    doc = trafilatura.bare_extraction(tree, url=url, **_TRAFILATURA_OPTIONS)
    text = _text(doc)
    if _weight(text) < FALLBACK_BELOW_WEIGHT:
        doc = trafilatura.bare_extraction(tree, url=url, **_FALLBACKS)
        text = _text(doc)
    json_ld = _json_ld(tree)
    weight = _weight(text)
    if weight < FALLBACK_BELOW_WEIGHT:
        too_short = weight < MIN_TEXT_WEIGHT
        if too_short and _paywalled(tree, json_ld):  # the retry would take its chrome for text
            return ExtractionFailure("paywalled: only a teaser and a subscription prompt served")
        # Precision mode can keep one teaser of an index page, or a notice instead of the
        # article: see what trafilatura's default mode keeps before refusing or storing it.
        # On a short article it adds some chrome, so above the refusal line it must find
        # RETRY_MIN_GROWTH times as much.
        retry = trafilatura.bare_extraction(
            tree, url=url, **(_RETRY if too_short else _DEFAULT_MODE)
        )
        retry_text = _text(retry)
        if len(retry_text) > (len(text) if too_short else RETRY_MIN_GROWTH * len(text)):
            doc, text, weight = retry, retry_text, _weight(retry_text)
    if not isinstance(doc, Document) or not text.strip():
        return ExtractionFailure("no article text found")
    if weight < MIN_TEXT_WEIGHT:
        cjk = len(_CJK.findall(text))
        counted = f", {cjk} CJK counted 3 times" if cjk else ""
        return ExtractionFailure(
            f"text too short ({len(text)} characters{counted}; need {MIN_TEXT_WEIGHT})"
        )
    meta = page_metadata(tree, url, _DATE_PARAMS)
    limit = LIST_MIN_SHARE_ARTICLE if _declares_article(meta.pagetype, json_ld) else LIST_MIN_SHARE
    count, share = _teasers(tree, text)
    if count >= LIST_MIN_TEASERS and share >= limit:
        return ExtractionFailure(
            f"page looks like a list of links ({count} headline links make up {share:.0%} "
            "of the text)"
        )
    return Extraction(
        title=_title(tree, meta.title, meta.sitename),
        text=text,
        authors=tuple(a.strip() for a in (meta.author or "").split(";") if a.strip()),
        published=_published(tree, json_ld, meta.date),
        modified=_iso(
            _meta(tree, "article:modified_time", "og:updated_time", "datemodified")
            or _ld_value(json_ld, "dateModified")
        ),
        language=_language(tree, text),  # trafilatura names one only when asked to filter by it
        site_name=meta.sitename or None,
        canonical_url=_canonical_url(tree, url),
    )


def _text(doc: object) -> str:
    """A Document's text as trafilatura.extract() returns it (NFC), "" for no Document."""
    text = doc.text if isinstance(doc, Document) else None
    return unicodedata.normalize("NFC", text or "")


def _weight(text: str) -> int:
    return len(text) + 2 * len(_CJK.findall(text))


def _norm(text: str | None) -> str:
    """NFC, spaces collapsed: split() splits on exactly the characters regex \\s matches."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def _teasers(tree: HtmlElement, text: str) -> tuple[int, float]:
    """Count the teasers in ``text`` and the share of its characters their lines make up.

    trafilatura merges the teasers of an index page into one "article". A teaser is a
    headline-length link standing alone in its block (``<h3><a>``, ``<li><a>``: not a link inside
    a sentence), often followed by a summary block; a line of the text is a teaser's when that
    headline and summary make up most of it. An article's links sit inside its sentences, and
    the odd "Read more" link explains little of its text.
    """
    lines = "\n".join(_LIST_MARKER.sub("", _norm(line)) for line in text.splitlines())
    found: dict[int, int] = {}  # start of a line -> characters of headlines and summaries in it
    length: dict[int, int] = {}  # start of a line -> its length
    teasers: list[set[int]] = []  # the lines each teaser was found in
    block_text: dict[HtmlElement, str] = {}  # blocks can be large: read each one once

    def text_of(element: HtmlElement) -> str:
        if element not in block_text:
            block_text[element] = _norm(element.text_content())
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
        headline = _norm(anchor.text_content())
        if headline in seen or len(headline) < 15:
            continue
        if len(headline.split()) < 3 and len(_CJK.findall(headline)) < 8:
            continue  # not headline-like: "Subscribe to our newsletter" passes, "Home" does not
        seen.add(headline)
        block = next((e for e in anchor.iterancestors() if _BLOCK_TAG.fullmatch(e.tag)), anchor)
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


def _paywalled(tree: HtmlElement, entities: list[dict[str, Any]]) -> bool:
    """Google's paywall markup (isAccessibleForFree: false), or a paywall box on the page."""
    if any(str(e.get("isAccessibleForFree")).lower() == "false" for e in entities):
        return True
    return any(
        _PAYWALL.search(f"{e.get('class', '')} {e.get('id', '')}")
        for e in tree.iter()
        if isinstance(e.tag, str)
    )


def _title(tree: HtmlElement, title: str | None, site_name: str | None) -> str:
    """trafilatura's title without a " | Site" suffix; the page's <h1> when it starts the title."""
    title = _norm(title)
    if site_name and title.lower().endswith(site_name.lower()):
        head = title[: -len(site_name)].rstrip()
        if head and head[-1] in _TITLE_SEPARATORS:
            title = head[:-1].rstrip()
    headings = [h for h in (_norm(h1.text_content()) for h1 in tree.iter("h1")) if h]
    for heading in headings:
        rest = title[len(heading) :].lstrip()
        if title.lower().startswith(heading.lower()) and (not rest or rest[0] in _TITLE_SEPARATORS):
            return heading
    return title or next(iter(headings), "")


def _meta(tree: HtmlElement, *names: str) -> str | None:
    """The first non-empty <meta> content whose property, name or itemprop is one of ``names``."""
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = (element.get("content") or "").strip()
        if key and key.lower() in names and content:
            return content
    return None


def _json_ld(tree: HtmlElement) -> list[dict[str, Any]]:
    """The entities the page describes in JSON-LD: top-level objects, @graph, mainEntity."""
    entities: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue  # broken JSON-LD is common; trafilatura skips it too
        queue = data if isinstance(data, list) else [data]
        for item in queue:  # grows while we walk it
            if isinstance(item, dict):
                entities.append(item)
                for nested in (item.get("@graph"), item.get("mainEntity")):
                    queue.extend(nested if isinstance(nested, list) else [nested])
    return entities


def _ld_value(entities: list[dict[str, Any]], key: str) -> str | None:
    return next((str(e[key]) for e in entities if isinstance(e.get(key), str)), None)


def _declares_article(pagetype: str | None, entities: list[dict[str, Any]]) -> bool:
    """og:type (trafilatura's pagetype) or a JSON-LD @type names an article or a blog post.

    Only the page's own entities count: a listing's ItemList of NewsArticle is no article."""
    types: list[Any] = [pagetype]
    for entity in entities:
        kind = entity.get("@type")
        types.extend(kind if isinstance(kind, list) else [kind])
    return any(isinstance(kind, str) and _ARTICLE_TYPE.search(kind) for kind in types)


def _iso(value: str | None) -> str | None:
    """Normalise a metadata timestamp to ISO 8601, or None when it is not one."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if (moment.hour, moment.minute, moment.second, moment.tzinfo) == (0, 0, 0, None):
        return moment.date().isoformat()
    return moment.isoformat()


def _published(tree: HtmlElement, entities: list[dict[str, Any]], date: str | None) -> str | None:
    """trafilatura's (htmldate's) day, with the page's own timestamp when it names that day."""
    if not date:
        return None
    stated = _iso(
        _meta(tree, "article:published_time", "datepublished")
        or _ld_value(entities, "datePublished")
    )
    return stated if stated and stated.startswith(date) else date


def _language(tree: HtmlElement, text: str) -> str | None:
    """<html lang> (its primary subtag), else a guess from the script the text is written in."""
    lang = (tree.get("lang") or tree.get("xml:lang") or "").strip().lower()
    if re.fullmatch(r"[a-z]{2,3}([-_][a-z0-9]+)*", lang):
        return re.split("[-_]", lang)[0]
    letters = sum(1 for char in text if char.isalpha()) or 1
    if len(_KANA.findall(text)) / letters > 0.1:
        return "ja"
    if len(_HANGUL.findall(text)) / letters > 0.3:
        return "ko"
    if len(_CJK.findall(text)) / letters > 0.3:
        return "zh"
    return None


def _canonical_url(tree: HtmlElement, url: str) -> str | None:
    """The page's declared canonical URL, made absolute; only http(s) URLs are kept."""
    href = None
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            href = link.get("href")
            break
    href = href or _meta(tree, "og:url")
    if not href:
        return None
    try:
        absolute = urljoin(url, href.strip())
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None
