"""The digest and a single diff as one self-contained HTML page, and items as HTML snippets.

The page must read the same in a browser and in an email client, so every look that matters is
an inline style (`STYLES`; Gmail and Outlook drop or mangle <style> blocks), there are no
tables, scripts, web fonts or images, and the column is at most 720px wide. Scraped text is
untrusted: Jinja2 escapes every `{{ … }}` (autoescape), `finalize` drops control characters
first, and a URL becomes an href only if it is http(s) (`http_url`). The same item macros give
the Atom feed its per-entry HTML, so feed readers show exactly what the email shows.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from storage.digest.build import Digest, EditedArticle, NewArticle, NewEntity, RemovedArticle
from storage.digest.view import (
    counts,
    finalize,
    http_url,
    judged_note,
    kind_label,
    major_edits,
    minor_edits,
    minor_heading,
    nothing_new,
    notice_line,
    period,
    redline,
    template_note,
    trailing_space,
    versions,
    when,
)

_FONT = (
    "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,'Helvetica Neue',Arial,"
    "'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC','Noto Sans SC',"
    "sans-serif"
)
_BOX = "margin:6px 0 0;padding:5px 10px;border-left:3px solid {};background-color:{};"
_BADGE = (
    "display:inline-block;padding:1px 7px;border-radius:3px;font-size:12px;font-weight:600;"
    "line-height:18px;letter-spacing:0.02em;color:{};background-color:{};"
)
_TAG = "display:inline-block;min-width:68px;font-size:11px;font-weight:600;color:{};"

# Written out whole so a designer can change the look without reading Python.
STYLES: dict[str, Markup] = {
    name: Markup(value)  # constants written here, never scraped text: safe to mark safe
    for name, value in {
        "body": "margin:0;padding:24px 12px;background-color:#f3f4f6;",
        "page": (
            f"max-width:720px;margin:0 auto;padding:28px 32px;background-color:#ffffff;"
            f"border:1px solid #e5e7eb;border-radius:6px;color:#1f2328;font-family:{_FONT};"
            "font-size:15px;line-height:1.55;"
        ),
        "brand": "font-size:12px;font-weight:700;letter-spacing:0.12em;color:#6b7280;",
        "h1": "margin:4px 0 2px;font-size:22px;line-height:1.3;font-weight:700;color:#111827;",
        "counts": "margin:0 0 8px;font-size:14px;color:#4b5563;",
        "h2": (
            "margin:30px 0 4px;padding-bottom:6px;border-bottom:2px solid #111827;"
            "font-size:17px;line-height:1.3;font-weight:700;color:#111827;"
        ),
        "count": "font-weight:400;color:#6b7280;",
        "item": "padding:14px 0;border-bottom:1px solid #e5e7eb;",
        "title": "font-size:16px;font-weight:600;line-height:1.4;color:#111827;",
        "link": "color:#0b57d0;text-decoration:none;",
        "meta": "margin-top:3px;font-size:13px;color:#6b7280;",
        "url": "font-size:12px;color:#6b7280;word-break:break-all;",
        "line": "margin-top:6px;font-size:14px;",
        "chip": (
            "display:inline-block;margin:2px 4px 0 0;padding:0 6px;border:1px solid #d1d5db;"
            "border-radius:3px;font-size:12px;line-height:18px;color:#374151;"
        ),
        "chip_added": (
            "display:inline-block;margin:2px 4px 0 0;padding:0 6px;border:1px solid #86d39a;"
            "border-radius:3px;font-size:12px;line-height:18px;color:#116329;"
        ),
        "chip_removed": (
            "display:inline-block;margin:2px 4px 0 0;padding:0 6px;border:1px solid #f0a3a3;"
            "border-radius:3px;font-size:12px;line-height:18px;color:#a40e26;"
            "text-decoration:line-through;"
        ),
        "del": (
            "padding:0 2px;border-radius:2px;background-color:#ffe3e3;color:#a40e26;"
            "text-decoration:line-through;"
        ),
        "ins": (
            "padding:0 2px;border-radius:2px;background-color:#d3f5db;color:#0f5323;"
            "text-decoration:none;"
        ),
        "edited": _BOX.format("#9ca3af", "#f9fafb"),
        "added": _BOX.format("#2da44e", "#f0fbf2"),
        "removed": _BOX.format("#cf222e", "#fff5f5"),
        "moved": _BOX.format("#8c959f", "#f6f8fa"),
        "tag_edited": _TAG.format("#4b5563"),
        "tag_added": _TAG.format("#116329"),
        "tag_removed": _TAG.format("#a40e26"),
        "tag_moved": _TAG.format("#57606a"),
        "badge_substantive": _BADGE.format("#1f4b99", "#e0ebff"),
        "badge_minor": _BADGE.format("#4b5563", "#eef0f3"),
        "badge_correction": _BADGE.format("#7a4100", "#ffe8a3"),
        "badge_revert": _BADGE.format("#5b21b6", "#ede4ff"),
        "badge_removed": _BADGE.format("#a40e26", "#ffe3e3"),
        "badge_restored": _BADGE.format("#116329", "#d3f5db"),
        "badge_type": _BADGE.format("#374151", "#eef0f3"),
        "correction": "padding:14px 12px;border-bottom:1px solid #e5e7eb;"
        "border-left:4px solid #d4a72c;background-color:#fffbeb;",
        "quote": "margin:6px 0 0;padding:2px 0 2px 10px;border-left:3px solid #d1d5db;"
        "font-size:14px;color:#374151;",
        "minor": "margin-top:12px;font-size:14px;color:#4b5563;",
        "empty": "margin:24px 0;font-size:16px;color:#4b5563;",
        "footer": "margin:28px 0 0;font-size:12px;color:#9ca3af;",
    }.items()
}


_ENV = Environment(
    loader=PackageLoader("storage.digest", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    finalize=finalize,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.globals.update(
    s=STYLES,
    counts=counts,
    kind_label=kind_label,
    major_edits=major_edits,
    minor_edits=minor_edits,
    minor_heading=minor_heading,
    nothing_new=nothing_new,
    period=period,
    redline=redline,
    trailing_space=trailing_space,
    versions=versions,
    template_note=template_note,
    judged_note=judged_note,
    notice_line=notice_line,
)
_ENV.filters.update(href=http_url, when=when)


def render_html(digest: Digest) -> str:
    return _ENV.get_template("digest.html").render(digest=digest)


def render_diff_html(change: EditedArticle) -> str:
    return _ENV.get_template("diff.html").render(change=change)


def item_html(item: NewArticle | EditedArticle | NewEntity | RemovedArticle) -> str:
    """One digest item as an HTML fragment (for an Atom entry); minor edits stay collapsed."""
    macros: Any = _ENV.get_template("items.html").module
    if isinstance(item, NewArticle):
        return str(macros.new_article(item))
    if isinstance(item, EditedArticle):
        return str(macros.edited_article(item))
    if isinstance(item, NewEntity):
        return str(macros.new_entity(item))
    return str(macros.removed_article(item))
