"""The digest and a single diff as terminal text, with or without ANSI colour.

Without colour the redline uses wdiff's marks (`[-deleted-]{+inserted+}`), which survive a pipe,
an email or a pager; with colour the marks are dropped, as in `git diff --color-words`, and
deletions are red and struck through (terminals without strikethrough still show red).
Every scraped string goes through `clean`, so a hostile page cannot send escape sequences to the
reader's terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.digest.build import Digest, EditedArticle, EditedSentence, NewArticle, NewEntity
from storage.digest.view import (
    clean,
    counts,
    flat,
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

_RESET = "\x1b[0m"
BOLD, DIM, RED, GREEN, YELLOW, CYAN, STRIKE = "1", "2", "31", "32", "33", "36", "9"


@dataclass(frozen=True)
class Paint:
    """ANSI styling that is a no-op when colour is off, so layout code has one path."""

    on: bool

    def __call__(self, text: str, *codes: str) -> str:
        if not (self.on and text and codes):
            return text
        return f"\x1b[{';'.join(codes)}m{text}{_RESET}"


def render_text(digest: Digest, *, color: bool = False) -> str:
    paint = Paint(color)
    if digest.is_empty:
        return nothing_new(digest) + "\n"
    lines = [paint(f"labscope digest: {period(digest)}", BOLD), counts(digest)]
    if digest.health:  # a source that went dark matters before anything it did not report
        _section(lines, paint, "Source health", len(digest.health))
        lines += ["", *(f"* {clean(notice.line())}" for notice in digest.health)]
    # What matters first (issue 19): edits and removals, then new articles, then entities.
    if digest.edited_articles:
        _section(lines, paint, "Edited articles", len(digest.edited_articles))
        for change in major_edits(digest):
            lines += edited_lines(change, paint)
        if minor := minor_edits(digest):
            lines += ["", _minor_line(minor)]
    if digest.removed_articles:
        _section(lines, paint, "Removed articles", len(digest.removed_articles))
        for removed in digest.removed_articles:
            label = "restored" if removed.restored else "removed "
            lines += [
                "",
                f"* {paint(label, GREEN if removed.restored else RED)} {clean(removed.title)}",
                f"  {paint(clean(removed.url), DIM)}",
            ]
            if note := notice_line(removed):
                lines.append(f"  {note}")
    if digest.new_articles:
        _section(lines, paint, "New articles", len(digest.new_articles))
        for article in digest.new_articles:
            lines += _new_article(article, paint)
    if digest.new_entities:
        _section(lines, paint, "New entities", len(digest.new_entities))
        for entity in digest.new_entities:
            lines += _new_entity(entity, paint)
    return "\n".join(lines) + "\n"


def render_diff_text(change: EditedArticle, *, color: bool = False) -> str:
    """One edit in full, minor or not: whoever asks for a single diff wants all of it."""
    return "\n".join(edited_lines(change, Paint(color))[1:]) + "\n"


def edited_lines(change: EditedArticle, paint: Paint) -> list[str]:
    """An edited article: headline, what kind of edit, title change, then sentence by sentence."""
    label = kind_label(change)
    if change.kind == "correction":
        label = paint(f"CORRECTION ({versions(change)})", BOLD, YELLOW)
    elif change.kind == "revert":
        label = paint(f"{label} ({versions(change)})", BOLD, CYAN)
    else:
        label = f"{label} ({versions(change)})"
    lines = ["", f"* {paint(clean(change.title), BOLD)}", f"  {label} · {clean(change.source)}"]
    lines.append(f"  {paint(clean(change.url), DIM)}")
    if change.title_change:
        old, new = clean(change.title_change.old), clean(change.title_change.new)
        lines.append(f"  Title: {paint(f'“{old}”', RED)} → {paint(f'“{new}”', GREEN)}")
    for field in change.fields:
        old, new = clean(field.old or "none"), clean(field.new or "none")
        lines.append(f"  {field.name.capitalize()}: {paint(old, RED)} → {paint(new, GREEN)}")
    lines += [f"  ± {_redline(sentence, paint)}" for sentence in change.edited]
    lines += [f"  {paint('+ ' + clean(s), GREEN)}" for s in change.added]
    lines += [f"  {paint('- ' + clean(s), RED)}" for s in change.removed]
    lines += [f"  {paint('~ ' + clean(s), CYAN)}" for s in change.moved]
    if change.entities_added:
        lines.append(f"  Entities added: {_names(change.entities_added)}")
    if change.entities_removed:
        lines.append(f"  Entities removed: {_names(change.entities_removed)}")
    lines += [
        f"  {paint(note, DIM)}" for note in (template_note(change), judged_note(change)) if note
    ]
    return lines


def _redline(sentence: EditedSentence, paint: Paint) -> str:
    parts: list[str] = []
    for op, token in redline(sentence):
        text, space = (flat(t) for t in trailing_space(token))  # spaces kept, not stripped
        if op == "delete":
            parts.append(paint(text, RED, STRIKE) if paint.on else f"[-{text}-]")
        elif op == "insert":
            parts.append(paint(text, GREEN) if paint.on else f"{{+{text}+}}")
        else:
            parts.append(text)
        parts.append(space)
    return "".join(parts)


def _new_article(article: NewArticle, paint: Paint) -> list[str]:
    meta = clean(article.source)
    if article.published:
        meta += f" · published {when(article.published)}"
    lines = ["", f"* {paint(clean(article.title), BOLD)}", f"  {meta}"]
    lines.append(f"  {paint(clean(article.url), DIM)}")
    if article.entities:
        lines.append(f"  Entities: {_names(article.entities)}")
    return lines


def _new_entity(entity: NewEntity, paint: Paint) -> list[str]:
    lines = ["", f"* {paint(clean(entity.name), BOLD)} ({clean(entity.type)})"]
    source = clean(entity.first_title) or clean(entity.first_url)
    lines.append(f"  first seen in: {source}")
    if entity.first_title:
        lines.append(f"  {paint(clean(entity.first_url), DIM)}")
    if context := clean(entity.context):
        lines.append(f"  “{context}”")
    return lines


def _minor_line(minor: list[EditedArticle]) -> str:
    listed = ", ".join(f"{clean(c.title)} ({versions(c)})" for c in minor)
    return f"{minor_heading(len(minor))}: {listed}"


def _section(lines: list[str], paint: Paint, name: str, count: int) -> None:
    lines += ["", paint(f"{name} ({count})", BOLD)]


def _names(names: list[str]) -> str:
    return ", ".join(clean(n) for n in names)
