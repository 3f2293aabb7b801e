"""The digest as Markdown, for GitHub, wikis, chat tools and static-site readers.

Redlines use <del>/<ins> rather than ~~…~~/**…**: CommonMark's emphasis rules refuse a delimiter
between a CJK character and punctuation (说**“R1”**模型 stays literal), while inline HTML has no
such rules and GitHub keeps both tags. Scraped text is escaped twice over: `&`, `<`, `>` as
entities (so no page can inject HTML), and Markdown punctuation with backslashes (so no page can
open a link, code span, table, mention or `$math$`). Each item is one line or one heading, since
trailing-space line breaks do not survive editors.
"""

from __future__ import annotations

import re

from storage.digest.build import Digest, EditedArticle, EditedSentence
from storage.digest.view import (
    clean,
    counts,
    flat,
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

_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#|~!$@])")
# What would start a list, heading, quote or setext underline at the start of a line.
_LINE_START = re.compile(r"^([-+=])|^(\d+)([.)])")
# Encoded rather than wrapped in <…>, which older Markdown readers do not understand.
_URL_UNSAFE = {"<": "%3C", ">": "%3E", " ": "%20", "\\": "%5C", "(": "%28", ")": "%29", '"': "%22"}


def md(text: str, *, strip: bool = True) -> str:
    """Scraped text as inert Markdown (also at the start of a list item)."""
    text = clean(text) if strip else flat(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _PUNCTUATION.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)


def link(text: str, url: str) -> str:
    """A Markdown link when the URL is http(s); otherwise the text and the URL, both inert."""
    href = http_url(url)
    if href is None:
        return f"{md(text)} ({md(url)})" if clean(url) else md(text)
    for char, code in _URL_UNSAFE.items():
        href = href.replace(char, code)
    return f"[{md(text)}]({href})"


def render_markdown(digest: Digest) -> str:
    lines = ["# labscope digest", ""]
    if digest.is_empty:
        return "\n".join([*lines, nothing_new(digest), ""])
    lines += [f"**{period(digest)}** · {counts(digest)}"]
    if digest.health:  # a source that went dark matters before anything it did not report
        lines += ["", f"## Source health ({len(digest.health)})", ""]
        lines += [f"- {md(notice.line())}" for notice in digest.health]
    # The same order as the text digest: edits and removals, new articles, then entities.
    if digest.edited_articles:
        lines += ["", f"## Edited articles ({len(digest.edited_articles)})"]
        for change in major_edits(digest):
            lines += ["", *edited_markdown(change)]
        if minor := minor_edits(digest):
            listed = ", ".join(f"{link(c.title, c.url)} ({versions(c)})" for c in minor)
            lines += ["", f"*{minor_heading(len(minor))}:* {listed}"]
    if digest.removed_articles:
        lines += ["", f"## Removed articles ({len(digest.removed_articles)})", ""]
        for removed in digest.removed_articles:
            label = "Restored" if removed.restored else "Removed"
            lines.append(f"- {label}: {link(removed.title, removed.url)}")
            if note := notice_line(removed):
                lines.append(f"  {md(note)}")
    if digest.new_articles:
        lines += ["", f"## New articles ({len(digest.new_articles)})", ""]
        for article in digest.new_articles:
            meta = md(article.source)
            if article.published:
                meta += f" · published {when(article.published)}"
            if article.entities:
                meta += f" · entities: {_names(article.entities)}"
            lines.append(f"- **{link(article.title, article.url)}** — {meta}")
    if digest.new_entities:
        lines += ["", f"## New entities ({len(digest.new_entities)})", ""]
        for entity in digest.new_entities:
            where = link(entity.first_title or entity.first_url, entity.first_url)
            line = f"- **{md(entity.name)}** ({md(entity.type)}) — first seen in {where}"
            if clean(entity.context):
                line += f": “{md(entity.context)}”"
            lines.append(line)
    return "\n".join([*lines, ""])


def edited_markdown(change: EditedArticle) -> list[str]:
    """An edited article as a heading, a line saying what kind of edit, and a sentence list."""
    label = kind_label(change)
    if change.kind in ("correction", "revert"):
        label = f"**{label.upper() if change.kind == 'correction' else label}**"
    lines = [f"### {link(change.title, change.url)}", ""]
    lines.append(f"{label} · {versions(change)} · {md(change.source)}")
    if change.title_change:
        old, new = md(change.title_change.old), md(change.title_change.new)
        lines += ["", f"Title: <del>{old}</del> → <ins>{new}</ins>"]
    for field in change.fields:
        old, new = md(field.old or "none"), md(field.new or "none")
        lines += ["", f"{field.name.capitalize()}: <del>{old}</del> → <ins>{new}</ins>"]
    items = [f"- Edited: {_redline(s)}" for s in change.edited]
    items += [f"- Added: <ins>{md(s)}</ins>" for s in change.added]
    items += [f"- Removed: <del>{md(s)}</del>" for s in change.removed]
    items += [f"- Moved: {md(s)}" for s in change.moved]
    if change.entities_added:
        items.append(f"- Entities added: {_names(change.entities_added)}")
    if change.entities_removed:
        items.append(f"- Entities removed: {_names(change.entities_removed)}")
    items += [f"- _{md(note)}_" for note in (template_note(change), judged_note(change)) if note]
    return [*lines, "", *items] if items else lines


def _redline(sentence: EditedSentence) -> str:
    parts: list[str] = []
    for op, token in redline(sentence):
        text, space = (md(t, strip=False) for t in trailing_space(token))
        tag = {"delete": "del", "insert": "ins"}.get(op)
        parts.append(f"<{tag}>{text}</{tag}>{space}" if tag else text + space)
    return "".join(parts)


def _names(names: list[str]) -> str:
    return ", ".join(md(n) for n in names)
