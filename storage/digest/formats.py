"""Rendering digests and diffs for people and programs: the one entry point the CLI calls.

Each format lives in its own module (`digest_text`, `digest_markdown`, `digest_html`,
`digest_atom`, `digest_json`), with the wording and the safety rules they share in
`digest_view`; this module only picks one. JSON is dumped here with `ensure_ascii=False`, so
Chinese stays readable, from the dicts `digest_json`/`diff_json` return to callers that want
to add to them.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from storage.digest.atom import render_atom
from storage.digest.build import Digest, EditedArticle
from storage.digest.html import render_diff_html, render_html
from storage.digest.json import diff_json, digest_json
from storage.digest.markdown import render_markdown
from storage.digest.text import render_diff_text, render_text

__all__ = ["FORMATS", "Format", "diff_json", "digest_json", "render_diff", "render_digest"]

Format = Literal["text", "md", "html", "json", "atom"]
DiffFormat = Literal["text", "html", "json"]
FORMATS: tuple[Format, ...] = ("text", "md", "html", "json", "atom")


def render_digest(
    digest: Digest, fmt: Format, *, color: bool = False, feed_url: str | None = None
) -> str:
    """The digest in `fmt`. `color` only affects text; `feed_url` only Atom (its id and self link).

    Minor edits are one collapsed line in text, md and html, one short entry in Atom, and in
    full in JSON. An unknown format is a programming error (the CLI offers a fixed choice).
    """
    if fmt == "text":
        return render_text(digest, color=color)
    if fmt == "md":
        return render_markdown(digest)
    if fmt == "html":
        return render_html(digest)
    if fmt == "json":
        return _dump(digest_json(digest))
    if fmt == "atom":
        return render_atom(digest, feed_url=feed_url)
    raise ValueError(f"unknown digest format {fmt!r}; use one of {', '.join(FORMATS)}")


def render_diff(change: EditedArticle, fmt: DiffFormat, *, color: bool = False) -> str:
    """One edited article in full (minor edits too: whoever asks for one diff wants all of it)."""
    if fmt == "text":
        return render_diff_text(change, color=color)
    if fmt == "html":
        return render_diff_html(change)
    if fmt == "json":
        return _dump(diff_json(change))
    raise ValueError(f"unknown diff format {fmt!r}; use one of text, html, json")


def _dump(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"
