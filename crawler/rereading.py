"""Reading stored HTML again, for judging an edit: storage.template.PageReader, implemented.

storage never imports crawler/, so the pipeline (and `labscope rejudge`) hands storage this
reader. It extracts a stored page exactly as a newly fetched one is extracted (crawler.extract
with the same options, then crawler.article.page_content, the same fallbacks for the title and
date), without the entity stage a version's comparison does not need (and whose Chinese tagger
costs 160 MB in the process that loads it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawler.article import page_content
from crawler.extract import Extraction, extract
from crawler.page_surface import decode_stored, page_surface
from storage.template import Surface


class StoredPageReader:
    """Today's extraction and page surface of stored HTML."""

    def reread(self, html: bytes, url: str, hints: Mapping[str, Any]) -> tuple[str, str] | None:
        result = extract(decode_stored(html), url)
        if not isinstance(result, Extraction):
            return None
        content = page_content(result, hints)
        return content.title, content.text

    def surface(self, html: bytes, url: str) -> Surface:
        return page_surface(html, url)
