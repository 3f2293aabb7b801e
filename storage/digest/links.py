"""Links from a digest to labscope's own web app, built from `[digest] base_url` only.

A reader of a digest (a file, an e-mail, a webhook, the Atom feed) wants the live article and
labscope's diff page of the edit: the live page shows only today's text. The address comes
from configuration, never from a request's Host or X-Forwarded-* headers, which anyone can
forge (tests/test_web.py checks that no page is built from them).
"""

from __future__ import annotations

from dataclasses import replace

from storage.digest.build import Digest, EditedArticle

FEED_PATH = "/digest.atom"  # where `labscope serve` serves the digest as an Atom feed


def diff_url(base_url: str, change: EditedArticle) -> str:
    """The web app's page of this edit: the article page showing these two versions' diff."""
    return (
        f"{base_url}/articles/{change.article_id}"
        f"?from={change.from_version}&to={change.to_version}#changes"
    )


def with_links(digest: Digest, base_url: str | None) -> Digest:
    """`digest` with each edit's `diff_url` set, when the web app's address is configured."""
    if not base_url:
        return digest
    edited = [replace(c, diff_url=diff_url(base_url, c)) for c in digest.edited_articles]
    return replace(digest, edited_articles=edited)


def feed_url(base_url: str | None) -> str | None:
    """The Atom feed's own address (its id and self link), when the address is configured."""
    return base_url + FEED_PATH if base_url else None
