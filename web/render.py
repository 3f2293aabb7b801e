"""The web pages' templates: Jinja2 with autoescape, and the helpers the pages share.

Scraped text is untrusted: every `{{ … }}` is escaped, loses control characters first
(`finalize`), and a URL becomes an href only through the `href` filter (http and https only).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from storage.digest.summary import DigestSummary
from storage.digest.view import (
    finalize,
    flat,
    http_url,
    kind_label,
    minor_heading,
    trailing_space,
    versions,
    when,
)
from web.diff_view import Fold

MARK_OPEN, MARK_CLOSE = "«", "»"  # how storage.search marks matches in a snippet


def marked(snippet: str) -> Markup:
    """A search snippet with its «matches» as <mark>, everything else escaped."""
    parts: list[str] = []
    for piece in flat(snippet).split(MARK_OPEN):
        match, close, rest = piece.partition(MARK_CLOSE)
        if close:
            parts.append(f"<mark>{escape(match)}</mark>{escape(rest)}")
        else:
            parts.append(str(escape(piece)))
    return Markup("".join(parts))


def summary_counts(digest: DigestSummary) -> str:
    """One line that says how big the period is before anyone scrolls."""
    parts = [
        (digest.new_total, "new article", "new articles"),
        (digest.edited_total, "edited", "edited"),
        (digest.minor_total, "minor edit", "minor edits"),
        (digest.entities_total, "new entity", "new entities"),
        (digest.removed_total, "removed or restored", "removed or restored"),
    ]
    return " · ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts if n)


def segment(value: str) -> str:
    """A value as one URL path segment (entity names may hold "/", "?" or "#")."""
    return quote(value, safe="")


def query(params: dict[str, Any]) -> str:
    """A query string from the given (non-empty) parameters."""
    pairs = [
        (k, item)
        for k, v in params.items()
        for item in (v if isinstance(v, list | tuple) else [v])
        if item not in (None, "", False)
    ]
    return urlencode([(k, "1" if v is True else v) for k, v in pairs])


ENV = Environment(
    loader=PackageLoader("web", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    finalize=finalize,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.globals.update(
    summary_counts=summary_counts,
    kind_label=kind_label,
    minor_heading=minor_heading,
    trailing_space=trailing_space,
    versions=versions,
    query=query,
    is_fold=lambda row: isinstance(row, Fold),
)
ENV.filters.update(href=http_url, when=when, marked=marked, segment=segment)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A full HTML page; `base` prefixes every link, for an app served under a sub-path."""
    base = str(request.scope.get("root_path", "")).rstrip("/")
    html = ENV.get_template(template).render(request=request, base=base, **context)
    return HTMLResponse(html, status_code=status)
