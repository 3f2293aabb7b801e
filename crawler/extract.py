"""The one typed adapter around trafilatura: ``extract(html, url) -> Extraction | ExtractionFailure``.

trafilatura's public API takes two dozen keyword arguments and answers ``None`` without saying
why. Everything else in labscope calls :func:`extract` instead, so the options are fixed in one
place (and measured by ``bench/extraction_quality.py``) and every refusal carries a one-line
reason for the logs and the run summary. The function never raises: a bad page is counted, never
fatal (STYLE.md items 4 and 9).

The HTML is parsed once, with trafilatura's own loader; trafilatura works on a copy of that tree,
and our checks (headline links, canonical link, ``<h1>``, modification date) read the original.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml.html import HtmlElement

# Options chosen by measuring on the article-extraction-benchmark corpus (181 real news pages),
# see bench/extraction_quality.py and the figures in its docstring.
_TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,  # reader comments are not the article, and change on every visit
    "include_tables": False,  # TODO measured
    "favor_precision": False,  # TODO measured
    "with_metadata": True,  # title, authors, date and site name in the same pass
}

MIN_TEXT_CHARS = 200
"""Shorter extractions are teasers, paywall stubs or error pages, not articles."""

MAX_BINARY_SHARE = 0.05
"""Share of control or U+FFFD characters above which the input is binary decoded as text."""

# A page is a list of links when at least this many headline-like anchors, making up at least
# this share of the extracted text's characters, were merged by trafilatura into the "article".
LIST_MIN_LINKS = 4
LIST_MIN_SHARE = 0.25
LINK_LINE_SHARE = 2 / 3
"""A line is a headline link when one link's text makes up this much of it."""

_BINARY_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")
_SPACES = re.compile(r"\s+")
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7af]")
_TITLE_SEPARATORS = "|-–—:·•»"


@dataclass(frozen=True)
class Extraction:
    """An article's text and metadata, as stored for every version of it."""

    title: str
    text: str
    """Plain text, paragraphs separated by "\\n" exactly as trafilatura gives them; no comments."""
    authors: tuple[str, ...]
    published: str | None
    """ISO 8601: "YYYY-MM-DD", or a full timestamp when the page states one for that day."""
    modified: str | None
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
    except Exception as error:
        message = _SPACES.sub(" ", str(error)).strip()[:200]
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
        return ExtractionFailure("not HTML (no document tree could be parsed)")
    doc = trafilatura.bare_extraction(tree, url=url, **_TRAFILATURA_OPTIONS)
    if doc is None or not doc.text or not doc.text.strip():
        return ExtractionFailure("no article text found")
    text = unicodedata.normalize("NFC", doc.text)
    if len(text) < MIN_TEXT_CHARS:
        return ExtractionFailure(
            f"text too short ({len(text)} characters, need at least {MIN_TEXT_CHARS})"
        )
    count, share = headline_links(tree, text)
    if count >= LIST_MIN_LINKS and share >= LIST_MIN_SHARE:
        return ExtractionFailure(
            f"page looks like a list of links ({count} headline links make up {share:.0%} "
            "of the text)"
        )
    site_name = doc.sitename or None
    return Extraction(
        title=_title(tree, doc.title, site_name),
        text=text,
        authors=tuple(a.strip() for a in (doc.author or "").split(";") if a.strip()),
        published=_published(tree, doc.date),
        modified=_modified(tree),
        language=_language(tree, text),
        site_name=site_name,
        canonical_url=_canonical_url(tree, url),
    )


def _norm(text: str | None) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def _is_headline(text: str) -> bool:
    return len(text) >= 15 and (len(text.split()) >= 3 or len(_CJK.findall(text)) >= 8)


def headline_links(tree: HtmlElement, text: str) -> tuple[int, float]:
    """Count the lines of ``text`` that are mostly a headline-length link, and their share.

    trafilatura merges the teasers of an index page into one "article", each headline on its own
    line. An article's links sit inside sentences, so they cover little of their line.
    """
    lines = "\n".join(_norm(line) for line in text.splitlines())
    found: dict[int, int] = {}  # line start -> characters of the link heading that line
    for anchor in {t for a in tree.iter("a") if _is_headline(t := _norm(a.text_content()))}:
        at = lines.find(anchor)
        if at < 0:
            continue
        start = lines.rfind("\n", 0, at) + 1
        end = lines.find("\n", at)
        line = lines[start : len(lines) if end < 0 else end].lstrip("-*•·0123456789. ")
        if len(anchor) >= LINK_LINE_SHARE * len(line):
            found[start] = max(found.get(start, 0), len(anchor))
    return len(found), sum(found.values()) / max(len(lines), 1)


def _title(tree: HtmlElement, title: str | None, site_name: str | None) -> str:
    """trafilatura's title without a " | Site" suffix; the page's <h1> when it starts the title."""
    title = _norm(title)
    if site_name and title.lower().endswith(site_name.lower()):
        head = title[: -len(site_name)].rstrip()
        if head and head[-1] in _TITLE_SEPARATORS:
            title = head[:-1].rstrip()
    for h1 in tree.iter("h1"):
        heading = _norm(h1.text_content())
        rest = title[len(heading) :].lstrip()
        if heading and title.lower().startswith(heading.lower()):
            if not rest or rest[0] in _TITLE_SEPARATORS:
                return heading
    if not title:
        return next((h for h in (_norm(h1.text_content()) for h1 in tree.iter("h1")) if h), "")
    return title


def _meta(tree: HtmlElement, *names: str) -> str | None:
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        if key and key.lower() in names and element.get("content"):
            return str(element.get("content")).strip()
    return None


def _json_ld(tree: HtmlElement, key: str) -> str | None:
    """First string value of ``key`` in the page's JSON-LD blocks (at any depth)."""
    for script in tree.iter("script"):
        if script.get("type", "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            stack: list[Any] = [json.loads(script.text)]
        except ValueError:
            continue
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get(key), str):
                    return str(node[key])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(reversed(node))
    return None


def _iso(value: str | None) -> str | None:
    """Normalise a metadata timestamp to ISO 8601, or None when it is not one."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if (moment.hour, moment.minute, moment.second, moment.tzinfo) == (0, 0, 0, None):
        return moment.date().isoformat()
    return moment.isoformat()


def _published(tree: HtmlElement, date: str | None) -> str | None:
    """trafilatura's (htmldate's) day, with the page's own timestamp when it names that day."""
    if not date:
        return None
    stated = _iso(
        _meta(tree, "article:published_time", "datepublished") or _json_ld(tree, "datePublished")
    )
    return stated if stated and stated.startswith(date) else date


def _modified(tree: HtmlElement) -> str | None:
    """Only an explicit modification date: htmldate's "latest date" is often a copyright year."""
    return _iso(
        _meta(tree, "article:modified_time", "og:updated_time", "datemodified")
        or _json_ld(tree, "dateModified")
    )


def _language(tree: HtmlElement, text: str) -> str | None:
    """<html lang> (primary subtag), else a guess from the script of the text."""
    lang = (tree.get("lang") or tree.get("xml:lang") or "").strip().lower()
    if re.fullmatch(r"[a-z]{2,3}([-_][a-z0-9]+)*", lang):
        return re.split("[-_]", lang)[0]
    letters = sum(1 for char in text if char.isalpha()) or 1
    kana, hangul = len(_KANA.findall(text)), len(_HANGUL.findall(text))
    if kana / letters > 0.1:
        return "ja"
    if hangul / letters > 0.3:
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
    absolute = urljoin(url, href.strip())
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None
