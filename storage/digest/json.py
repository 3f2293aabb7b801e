"""Digests and diffs as JSON-ready dicts: the contract scripts and other tools read.

The keys are a contract (tests elsewhere pin them), so they are spelled out here once, by hand,
rather than derived from the dataclasses: renaming a field in `storage/digest/build.py` must not
silently rename a key. Text is returned as stored (no cleaning): JSON escapes what it must, and
the consumer decides how to display it. Minor edits are included in full; only the human formats
collapse them.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from storage.digest.build import (
    Digest,
    EditedArticle,
    EditedSentence,
    NewArticle,
    NewEntity,
    RemovedArticle,
    TitleChange,
)
from storage.digest.stories import DigestStory
from storage.digest.view import utc


def digest_json(digest: Digest) -> dict[str, Any]:
    """The whole digest; times are ISO 8601 in UTC, like every other `--json` output."""
    return {
        "since": _iso(digest.since),
        "until": _iso(digest.until),
        # What matters first, as in every format (the keys are the same as ever); a source
        # that turned failing or empty, or recovered, before anything else.
        "health_changes": [n.payload()["health_change"] for n in digest.health],
        "edited_articles": [_edited_article(c) for c in digest.edited_articles],
        "removed_articles": [_removed_article(r) for r in digest.removed_articles],
        "new_articles": [_new_article(a) for a in digest.new_articles],
        "stories": [_story(s) for s in digest.stories],
        "new_entities": [_new_entity(e) for e in digest.new_entities],
        # A source's first crawl: its entities counted, not listed in new_entities.
        "baseline": [dataclasses.asdict(b) for b in digest.baseline],
    }


def diff_json(change: EditedArticle) -> dict[str, Any]:
    """One edit in full, as the digest holds it (each edited sentence with its redline)."""
    # "title" was the title change before digests had a "title"; "title_change" is the name
    # the digest uses, given too so one reader handles both.
    title = _title_change(change.title_change)
    return {"title": title, "title_change": title, **_change(change)}


def _change(change: EditedArticle) -> dict[str, Any]:
    """What an edit changed: the part a diff and a digest's edited article share. Each edited
    sentence carries its word-level redline as [op, text] pairs (the README promises it in
    both, and a reader of the JSON should not have to diff the sentences again)."""
    return {
        "id": change.article_id,
        "url": change.url,
        "source": change.source,
        "from": change.from_version,
        "to": change.to_version,
        "kind": change.kind,
        "revert_to": change.revert_to,
        "seen": _iso(change.seen),
        "fields": _fields(change),
        "figures": [{"old": f.old, "new": f.new, "sentence": f.sentence} for f in change.figures],
        "added": list(change.added),
        "removed": list(change.removed),
        "edited": [
            {**_sentence(s), "redline": [[op, text] for op, text in s.redline]}
            for s in change.edited
        ],
        "moved": list(change.moved),
        "entities_added": list(change.entities_added),
        "entities_removed": list(change.entities_removed),
        "template": [{"kind": t.kind, "old": t.old, "new": t.new} for t in change.template],
        "judged": change.judged,
    }


def _new_article(article: NewArticle) -> dict[str, Any]:
    return {
        "id": article.article_id,
        "url": article.url,
        "title": article.title,
        "source": article.source,
        "published": _iso(article.published) if article.published else None,
        "seen": _iso(article.seen),
        "entities": list(article.entities),
    }


def _edited_article(change: EditedArticle) -> dict[str, Any]:
    # "title" is the article's current title here, so the change gets its own key.
    return {
        "title": change.title,
        "title_change": _title_change(change.title_change),
        **_change(change),
        "diff_url": change.diff_url,  # labscope's diff page; null without [digest] base_url
    }


def _story(story: DigestStory) -> dict[str, Any]:
    """A story new or grown in the period, with the reports that joined it then (`lag`: seconds
    behind the story's first report)."""
    return {
        "id": story.id,
        "title": story.title,
        "status": "grew" if story.grew else "new",
        "first": {
            "id": story.first.id,
            "url": story.first.url,
            "source": story.first.source,
            "at": _iso(story.first.at),
        },
        "articles": story.reports,
        "sources": story.sources,
        "languages": story.languages,
        "added": [
            {
                "id": r.id,
                "url": r.url,
                "title": r.title,
                "source": r.source,
                "lag": int(r.lag.total_seconds()),
            }
            for r in story.added
        ],
    }


def _new_entity(entity: NewEntity) -> dict[str, Any]:
    return {
        "name": entity.name,
        "type": entity.type,
        "known": entity.known,
        "first_url": entity.first_url,
        "first_title": entity.first_title,
        "context": entity.context,
        "seen": _iso(entity.seen),
    }


def _removed_article(removed: RemovedArticle) -> dict[str, Any]:
    return {
        "id": removed.article_id,
        "url": removed.url,
        "title": removed.title,
        "restored": removed.restored,
        "notice": removed.notice,
        "seen": _iso(removed.seen),
    }


def _sentence(sentence: EditedSentence) -> dict[str, str]:
    return {"old": sentence.old, "new": sentence.new}


def _fields(change: EditedArticle) -> list[dict[str, str]]:
    return [{"name": f.name, "old": f.old, "new": f.new} for f in change.fields]


def _title_change(change: TitleChange | None) -> dict[str, str] | None:
    return {"old": change.old, "new": change.new} if change else None


def _iso(moment: datetime) -> str:
    return utc(moment).isoformat()
