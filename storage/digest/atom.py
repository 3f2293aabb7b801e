"""The digest as an Atom 1.0 feed: one entry per item, for feed readers and alert pipelines.

Entry ids are tag: URIs made only of stored facts (article id and versions, entity type and
name, removal time), never of the render time, so rendering the same period twice gives the
same ids and a feed reader shows no duplicates. The tree is built with ElementTree, which
escapes text and attributes itself; each entry's HTML comes from the same macros as the email.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import quote

from storage.digest.build import Digest, EditedArticle, NewArticle, NewEntity, RemovedArticle
from storage.digest.html import item_html
from storage.digest.view import clean, http_url, kind_label, period, utc, versions, xml_safe

ATOM = "http://www.w3.org/2005/Atom"
TAG = "tag:labscope,2025:"
DEFAULT_FEED_ID = f"{TAG}digest"

Item = NewArticle | EditedArticle | NewEntity | RemovedArticle


def render_atom(digest: Digest, *, feed_url: str | None = None) -> str:
    """The feed; `feed_url` (where it is published) becomes its id and rel="self" link."""
    feed = ET.Element("feed", {"xmlns": ATOM})
    _text(feed, "id", clean(feed_url) if feed_url and clean(feed_url) else DEFAULT_FEED_ID)
    _text(feed, "title", "labscope digest")  # a reader names the subscription after it
    _text(feed, "subtitle", period(digest))
    # The end of the period, not the render time: the same digest renders to the same feed.
    _text(feed, "updated", _stamp(digest.until))
    author = ET.SubElement(feed, "author")
    _text(author, "name", "labscope")
    _text(feed, "generator", "labscope")
    if feed_url and (href := http_url(feed_url)):
        ET.SubElement(feed, "link", {"rel": "self", "href": href})
    items: list[Item] = [  # what matters first, as in every format
        *digest.edited_articles,
        *digest.removed_articles,
        *digest.new_articles,
        *digest.new_entities,
    ]
    for notice in digest.health:  # a source that went dark matters before what it missed
        entry = ET.SubElement(feed, "entry")
        _text(entry, "id", f"{TAG}source/{quote(notice.source, safe='')}/{notice.state}/"
              f"{utc(notice.at):%Y%m%dT%H%M%SZ}")  # fmt: skip
        _text(entry, "title", clean(notice.line()))
        _text(entry, "updated", _stamp(notice.at))
    for item in items:
        _entry(feed, item)
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")


def entry_id(item: Item) -> str:
    """A stable id: what the item is about and which change, nothing about when it was drawn."""
    if isinstance(item, NewArticle):
        return f"{TAG}article/{item.article_id}/new"
    if isinstance(item, EditedArticle):
        return f"{TAG}article/{item.article_id}/v{item.from_version}-v{item.to_version}"
    if isinstance(item, NewEntity):
        return f"{TAG}entity/{quote(item.type, safe='')}/{quote(item.name, safe='')}"
    event = "restored" if item.restored else "removed"
    return f"{TAG}article/{item.article_id}/{event}/{utc(item.seen):%Y%m%dT%H%M%SZ}"


def _entry(feed: ET.Element, item: Item) -> None:
    entry = ET.SubElement(feed, "entry")
    _text(entry, "id", entry_id(item))
    _text(entry, "title", _title(item))
    _text(entry, "updated", _stamp(item.seen))
    if isinstance(item, NewArticle) and item.published:
        _text(entry, "published", _stamp(item.published))
    url = item.first_url if isinstance(item, NewEntity) else item.url
    if href := http_url(url):
        ET.SubElement(entry, "link", {"rel": "alternate", "href": href})
    _text(entry, "content", xml_safe(item_html(item)), type="html")


def _title(item: Item) -> str:
    if isinstance(item, NewArticle):
        return f"New: {clean(item.title)}"
    if isinstance(item, EditedArticle):
        return f"{kind_label(item)} ({versions(item)}): {clean(item.title)}"
    if isinstance(item, NewEntity):
        return f"New {clean(item.type)}: {clean(item.name)}"
    return f"{'Restored' if item.restored else 'Removed'}: {clean(item.title)}"


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = text
    return element


def _stamp(moment: datetime) -> str:
    """RFC 3339 as Atom requires: UTC with a Z."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")
