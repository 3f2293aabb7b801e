"""A page's title, authors, date and site name, by trafilatura's own metadata extractors.

``trafilatura.bare_extraction(with_metadata=True)`` also reads categories, tags and a licence,
which labscope never stores: on the news corpus they are 40% of its metadata time (2 ms of
5 ms a page, in a first crawl bound by extraction). This runs the same steps, in the same order
and on the same unmodified tree, without them; ``tests/test_extract.py`` holds it to
trafilatura's answers.
"""

from __future__ import annotations

import re
from contextlib import suppress
from typing import Any

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import (
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document

_SITE_FROM_URL = re.compile(r"https?://(?:www\.|w[0-9]+\.)?([^/]+)")  # trafilatura's META_URL


def page_metadata(tree: HtmlElement, url: str, date_params: dict[str, Any]) -> Document:
    """trafilatura.metadata.extract_metadata, but for its categories, tags and licence."""
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # a single word is a handle or a site name, not a byline
    with suppress(Exception):  # trafilatura guards its JSON-LD reader the same way
        metadata = extract_meta_json(tree, metadata)
    metadata.title = metadata.title or extract_title(tree)
    metadata.author = metadata.author or extract_author(tree)
    metadata.url = metadata.url or extract_url(tree, url)
    metadata.date = find_date(tree, **{**date_params, "url": metadata.url})
    metadata.sitename = metadata.sitename or extract_sitename(tree)
    if metadata.sitename:
        sitename = metadata.sitename.lstrip("@")
        if sitename and "." not in sitename and not sitename[0].isupper():
            sitename = sitename.title()
        metadata.sitename = sitename
    elif metadata.url and (match := _SITE_FROM_URL.match(metadata.url)):
        metadata.sitename = match[1]
    metadata.clean_and_trim()
    return metadata
