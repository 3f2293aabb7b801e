"""What an article page says about itself: title, dates, language, canonical link, type.

Read from the original tree (trafilatura works on a copy), by ``crawler.extract``; the
metadata trafilatura extracts itself comes from ``crawler.page_metadata``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from crawler.extraction.text import CJK, norm

_PAYWALL = re.compile(r"paywall|subscriber-only|premium-content", re.IGNORECASE)
_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7af]")
_ARTICLE_TYPE = re.compile("article|posting|^news$", re.IGNORECASE)  # og:type "news": NetEase
_TITLE_SEPARATORS = "|:·•»-\u2013\u2014"  # also en and em dashes
SCRIPT_TIMES = (re.compile(r"""\bvar\s+ct\s*=\s*["'](\d{10})["']"""),)
"""Publication times a page gives only to its scripts, in Unix seconds: WeChat's ``var ct``
(its ``#publish_time`` is written by those scripts, and htmldate reads no script)."""


def title(tree: HtmlElement, page_title: str | None, site_name: str | None) -> str:
    """trafilatura's title without a " | Site" suffix; the page's <h1> when it starts the title.

    trafilatura cuts a <title> at its separator; when a heading of the page reads the whole
    <title>, separator included, the separator is the headline's own: WeChat's "语音 | 早安武汉
    〔2018.3.19 周一〕" was stored as "语音"."""
    title = norm(page_title)
    if site_name and title.lower().endswith(site_name.lower()):
        head = title[: -len(site_name)].rstrip()
        if head and head[-1] in _TITLE_SEPARATORS:
            title = head[:-1].rstrip()
    whole = norm(tree.findtext(".//title"))
    shown = (norm(h.text_content()) for h in tree.iter("h1", "h2"))
    if title and whole != title and whole.startswith(title) and whole in shown:
        return whole
    headings = [h for h in (norm(h1.text_content()) for h1 in tree.iter("h1")) if h]
    for heading in headings:
        rest = title[len(heading) :].lstrip()
        if title.lower().startswith(heading.lower()) and (not rest or rest[0] in _TITLE_SEPARATORS):
            return heading
    return title or next(iter(headings), "")


def meta(tree: HtmlElement, *names: str) -> str | None:
    """The first non-empty <meta> content whose property, name or itemprop is one of ``names``."""
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        content = (element.get("content") or "").strip()
        if key and key.lower() in names and content:
            return content
    return None


def json_ld(tree: HtmlElement) -> list[dict[str, Any]]:
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


def ld_value(entities: list[dict[str, Any]], key: str) -> str | None:
    return next((str(e[key]) for e in entities if isinstance(e.get(key), str)), None)


def declares_article(
    tree: HtmlElement, pagetype: str | None, entities: list[dict[str, Any]]
) -> bool:
    """og:type (trafilatura's pagetype, or a <meta name="og:type"> it does not read) or a JSON-LD
    @type names an article or a blog post.

    Only the page's own entities count: a listing's ItemList of NewsArticle is no article."""
    types: list[Any] = [pagetype, meta(tree, "og:type")]
    for entity in entities:
        kind = entity.get("@type")
        types.extend(kind if isinstance(kind, list) else [kind])
    return any(isinstance(kind, str) and _ARTICLE_TYPE.search(kind) for kind in types)


def iso(value: str | None) -> str | None:
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


def published(tree: HtmlElement, entities: list[dict[str, Any]], date: str | None) -> str | None:
    """trafilatura's (htmldate's) day, with the page's own timestamp when it names that day;
    without a day, the time the page's scripts are given (SCRIPT_TIMES)."""
    if not date:
        return script_time(tree)
    stated = iso(
        meta(tree, "article:published_time", "datepublished") or ld_value(entities, "datePublished")
    )
    return stated if stated and stated.startswith(date) else date


def script_time(tree: HtmlElement) -> str | None:
    """The first SCRIPT_TIMES timestamp in the page's inline scripts, as ISO 8601 in UTC."""
    for script in tree.iter("script"):
        for pattern in SCRIPT_TIMES:
            if script.text and (found := pattern.search(script.text)):
                return datetime.fromtimestamp(int(found[1]), UTC).isoformat()
    return None


def language(tree: HtmlElement, text: str) -> str | None:
    """<html lang> (its primary subtag), else a guess from the script the text is written in."""
    lang = (tree.get("lang") or tree.get("xml:lang") or "").strip().lower()
    if re.fullmatch(r"[a-z]{2,3}([-_][a-z0-9]+)*", lang):
        return re.split("[-_]", lang)[0]
    letters = sum(1 for char in text if char.isalpha()) or 1
    if len(_KANA.findall(text)) / letters > 0.1:
        return "ja"
    if len(_HANGUL.findall(text)) / letters > 0.3:
        return "ko"
    if len(CJK.findall(text)) / letters > 0.3:
        return "zh"
    return None


def canonical_url(tree: HtmlElement, url: str) -> str | None:
    """The page's declared canonical URL, made absolute; only http(s) URLs are kept."""
    href = None
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            href = link.get("href")
            break
    href = href or meta(tree, "og:url")
    if not href:
        return None
    try:
        absolute = urljoin(url, href.strip())
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def paywalled(tree: HtmlElement, entities: list[dict[str, Any]]) -> bool:
    """Google's paywall markup (isAccessibleForFree: false), or a paywall box on the page."""
    if any(str(e.get("isAccessibleForFree")).lower() == "false" for e in entities):
        return True
    return any(
        _PAYWALL.search(f"{e.get('class', '')} {e.get('id', '')}")
        for e in tree.iter()
        if isinstance(e.tag, str)
    )
