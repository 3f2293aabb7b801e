"""Stories: articles from any outlets, in English or Chinese, that report the same event.

A new article joins a story (or starts one) in the transaction that stores its first version
(storage.versions calls ``join_story``); ``regroup`` rebuilds every story from the archive, for
the `labscope recluster` command, never as a side effect.

What counts as "the same event", on this machine and without a model to download:

- **Anchors**: a shared model, product or person entity (the knowledge base already maps
  月之暗面 to Moonshot AI and Kimi 1.5 across languages). A lab or company alone is no anchor:
  DeepSeek's paper in Nature and DeepSeek's model launch share "DeepSeek", and Alibaba's
  earnings and a Qwen launch share "Alibaba", but they are different stories.
- **Organisations**: a shared lab or company counts a little, only for a candidate found by
  an anchor, figure or the text.
- **Figures**: shared numbers and dates as language-independent keys (storage.figures:
  "January 20" and "1月20日" are one key, "$1.2 billion" and "12亿美元" one key).
- **Text**: a bottom-k MinHash sketch (the ``SKETCH`` smallest CRC-32 hashes of the article's
  word 3-shingles; a CJK character is a word) estimates the Jaccard similarity of two texts.

A candidate scores ``ANCHOR`` a shared anchor, ``FIGURE`` a shared figure (at most
``MAX_FIGURES`` of them count), ``NEAR_COPY``/``SIMILAR`` for sketch similarity, and a little
(``ORGANISATION``, ``CLOSE``) for a shared lab or company and for appearing within
``CLOSE_HOURS`` of each other; it must reach ``THRESHOLD`` and be within ``WINDOW`` (of published,
else first seen). One shared model alone (2) is not enough: launch coverage shares the model and
a date, a figure, the wording, or the lab and the same hours. A lab and the same hours alone
(1) never are: that is "two DeepSeek stories on a busy day".

Why hand-rolled and not datasketch: datasketch's MinHash needs numpy, which is not in the lock,
and applies ``num_perm`` (128 by default) permutations to every shingle; a bottom-k sketch needs
one CRC-32 per shingle and ``heapq.nsmallest``, a few lines and no new dependency. Why not a
64-bit SimHash: in pure Python its 64 per-bit counters per shingle are the slowest part, and a
bottom-k sketch doubles as lookup keys (its smallest values, ``SKETCH_KEYS``), so a similar text
is found by the same indexed key query as a shared entity (storage.models.StoryKey).
"""

from __future__ import annotations

import heapq
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from storage.figures import figure_value, figures_in
from storage.models import (
    Article,
    Entity,
    Mention,
    Story,
    StoryArticle,
    StoryKey,
    Version,
    table_of,
)
from storage.sentences import CJK_RANGES

WINDOW = timedelta(hours=72)
ANCHOR_TYPES = frozenset({"model", "person"})
ORGANISATION_TYPES = frozenset({"lab", "company", "institution"})
ANCHOR, FIGURE, MAX_FIGURES = 2.0, 1.0, 2
ORGANISATION, CLOSE = 0.5, 0.5  # a shared lab or company (once); reports within CLOSE_HOURS
CLOSE_HOURS = timedelta(hours=12)
NEAR_COPY, SIMILAR = 3.0, 1.5  # sketch similarity at least 0.5, at least 0.2
THRESHOLD = 3.0
SKETCH, SKETCH_KEYS, SHINGLE = 32, 8, 3
TEXT_CHARS = 4000  # the lead says what the event is; the rest costs time and adds noise

_TOKEN = re.compile(rf"[{CJK_RANGES}]|[^\W{CJK_RANGES}]+")
_STORIES, _LINKS, _KEYS = table_of(Story), table_of(StoryArticle), table_of(StoryKey)
_CANDIDATES = (
    select(StoryKey.article_id, StoryKey.key, StoryArticle.story_id, StoryKey.at)
    .join(StoryArticle, StoryArticle.article_id == StoryKey.article_id)
    .where(
        StoryKey.key.in_(bindparam("keys", expanding=True)),
        StoryKey.at.between(bindparam("lo"), bindparam("hi")),
    )
)
_ORGANISATIONS = select(StoryKey.article_id, StoryKey.key).where(
    StoryKey.key.in_(bindparam("keys", expanding=True)),
    StoryKey.article_id.in_(bindparam("ids", expanding=True)),
)
_SKETCHES = select(StoryArticle.article_id, StoryArticle.sketch).where(
    StoryArticle.article_id.in_(bindparam("ids", expanding=True))
)
# The story's first report time, and whether this source reported it already: one statement.
_STORY_STATE = select(
    Story.first_seen,
    exists().where(
        StoryArticle.story_id == Story.id, StoryArticle.source_id == bindparam("source")
    ),
).where(Story.id == bindparam("story"))
_ADD_STORY = insert(_STORIES).returning(_STORIES.c.id)
# Built once: building and compiling an update per stored article cost more than running it.
_GROW = (
    update(_STORIES)
    .where(_STORIES.c.id == bindparam("story"))
    .values(
        articles=_STORIES.c.articles + 1,
        sources=_STORIES.c.sources + bindparam("new_source"),
        updated=bindparam("joined"),
    )
)
_GROW_EARLIER = _GROW.values(
    first_seen=bindparam("at"), first_article_id=bindparam("article"), title=bindparam("new_title")
)
_ADD_LINK = insert(_LINKS)
_ADD_KEYS = insert(_KEYS)


@dataclass(frozen=True)
class Report:
    """What grouping reads of an article: its first (or, regrouping, latest) version."""

    article_id: int
    source_id: int
    at: datetime  # published, else first seen
    title: str
    text: str
    entities: tuple[tuple[str, str, bool], ...]  # (name, type, known)


def join_story(session: Session, report: Report, joined: datetime) -> int:
    """Link ``report`` to the best-matching story within the window, or a new one; its id."""
    sketch = text_sketch(report.title, report.text)
    keys = grouping_keys(report.entities, report.title, report.text, sketch)
    story_id = _best_story(session, report, keys, sketch)
    connection = session.connection()
    if story_id is None:
        row = {
            "title": report.title,
            "first_seen": report.at,
            "first_article_id": report.article_id,
            "created": joined,
            "updated": joined,
            "articles": 1,
            "sources": 1,
        }
        story_id = connection.execute(_ADD_STORY, row).scalar_one()
    else:
        _grow(session, story_id, report, joined)
    link = {
        "article_id": report.article_id,
        "story_id": story_id,
        "source_id": report.source_id,
        "at": report.at,
        "joined": joined,
        "sketch": sketch,
    }
    connection.execute(_ADD_LINK, link)
    rows = [{"key": key, "article_id": report.article_id, "at": report.at} for key in keys]
    if rows:
        connection.execute(_ADD_KEYS, rows)
    return story_id


def _grow(session: Session, story_id: int, report: Report, joined: datetime) -> None:
    """One more report for the story; an earlier one becomes its first report and title."""
    connection = session.connection()
    params = {"story": story_id, "source": report.source_id}
    first_seen, reported = connection.execute(_STORY_STATE, params).one()
    earlier = report.at < _aware(first_seen)
    values: dict[str, object] = {**params, "new_source": 0 if reported else 1, "joined": joined}
    if earlier:
        values |= {"at": report.at, "article": report.article_id, "new_title": report.title}
    connection.execute(_GROW_EARLIER if earlier else _GROW, values)


def _best_story(session: Session, report: Report, keys: list[str], sketch: list[int]) -> int | None:
    """The story of the best-scoring candidate article, if it reaches THRESHOLD."""
    lookup = [key for key in keys if not key.startswith("o:")]
    if not lookup:
        return None
    connection = session.connection()
    params = {"keys": lookup, "lo": report.at - WINDOW, "hi": report.at + WINDOW}
    shared: dict[int, list[str]] = defaultdict(list)
    story_of: dict[int, int] = {}
    apart: dict[int, timedelta] = {}
    for article_id, key, story_id, at in connection.execute(_CANDIDATES, params):
        shared[article_id].append(key)
        story_of[article_id] = story_id
        apart[article_id] = abs(report.at - _aware(at))
    # Organisations only add to a candidate found otherwise: as lookup keys they would match a
    # large part of the window (every DeepSeek article) and prove nothing.
    if (organisations := [key for key in keys if key.startswith("o:")]) and shared:
        named = {"keys": organisations, "ids": list(shared)}
        for article_id, key in connection.execute(_ORGANISATIONS, named):
            shared[article_id].append(key)
    similar = [a for a, found in shared.items() if any(k.startswith("m:") for k in found)]
    rows = connection.execute(_SKETCHES, {"ids": similar})
    sketches: dict[int, list[int]] = {article_id: sketch for article_id, sketch in rows}
    best: tuple[float, int] | None = None
    for article_id, found in shared.items():
        score = match_score(found, sketch, sketches.get(article_id), apart[article_id])
        if score >= THRESHOLD and (best is None or (score, -article_id) > (best[0], -best[1])):
            best = (score, article_id)
    return story_of[best[1]] if best else None


def match_score(
    shared: Iterable[str], sketch: list[int], other: list[int] | None, apart: timedelta
) -> float:
    """How strongly two articles sharing the keys ``shared``, ``apart`` in time, report one
    event."""
    kinds = [key[:2] for key in shared]
    figures = min(MAX_FIGURES, sum(kind in ("n:", "p:", "d:") for kind in kinds))
    score = ANCHOR * kinds.count("e:") + FIGURE * figures
    score += ORGANISATION * min(1, kinds.count("o:")) + (CLOSE if apart <= CLOSE_HOURS else 0.0)
    if other is not None:
        similarity = sketch_similarity(sketch, other)
        score += NEAR_COPY if similarity >= 0.5 else SIMILAR if similarity >= 0.2 else 0.0
    return score


def grouping_keys(
    entities: Iterable[tuple[str, str, bool]], title: str, text: str, sketch: list[int]
) -> list[str]:
    """The keys an article is found by: anchors ("e:"), figures ("n:", "p:", "d:"), and its
    smallest sketch values ("m:"). An unrecognised person is no anchor: a byline or a quoted
    analyst would tie an outlet's unrelated stories together; an unrecognised model of a known
    family ("Kimi K3") is."""
    keys = {
        f"e:{name}"[:300]
        for name, kind, known in entities
        if kind in ANCHOR_TYPES and (known or kind == "model")
    }
    keys |= {
        f"o:{name}"[:300] for name, kind, known in entities if known and kind in ORGANISATION_TYPES
    }
    for figure in figures_in(f"{title}\n{text[:TEXT_CHARS]}"):
        if value := figure_value(figure):
            keys.add(value)
    keys.update(f"m:{value}" for value in sketch[:SKETCH_KEYS])
    return sorted(keys)


def text_sketch(title: str, text: str) -> list[int]:
    """The SKETCH smallest CRC-32 hashes of the word 3-shingles of title and lead, ascending."""
    tokens = _TOKEN.findall(f"{title}\n{text[:TEXT_CHARS]}".lower())
    hashes = {
        zlib.crc32(" ".join(tokens[i : i + SHINGLE]).encode())
        for i in range(max(1, len(tokens) - SHINGLE + 1))
    }
    return heapq.nsmallest(SKETCH, hashes)


def sketch_similarity(one: list[int], other: list[int]) -> float:
    """The bottom-k estimate of two texts' Jaccard similarity: of the k smallest hashes of the
    union, the share both sketches hold."""
    if not one or not other:
        return 0.0
    a, b = set(one), set(other)
    union = heapq.nsmallest(min(SKETCH, len(a | b)), a | b)
    return sum(1 for value in union if value in a and value in b) / len(union)


def regroup(session: Session, now: datetime) -> tuple[int, int]:
    """Every story grouped again from the archive, oldest report first, so the result is what
    the incremental path gives for articles stored in that order; (articles, stories)."""
    connection = session.connection()
    for table in (_KEYS, _LINKS, _STORIES):
        connection.execute(delete(table))
    at = func.coalesce(Article.dated, Article.first_seen)
    query = (
        select(Article.id, Article.source_id, at, Version.id, Version.title, Version.text)
        .join(Version, Version.id == Article.latest_version_id)
        .order_by(at, Article.id)
    )
    count = 0
    for article_id, source_id, dated, version_id, title, text in session.execute(query).all():
        named = session.execute(
            select(Entity.name, Entity.type, Entity.known)
            .join(Mention, Mention.entity_id == Entity.id)
            .where(Mention.version_id == version_id)
        )
        entities = tuple((name, kind, known) for name, kind, known in named)
        report = Report(article_id, source_id, _aware(dated), title, text, entities)
        join_story(session, report, now)
        count += 1
    stories = session.scalar(select(func.count()).select_from(Story)) or 0
    return count, stories


def _aware(moment: datetime) -> datetime:
    """A time read through func.coalesce lacks the UTC zone on SQLite: the column type's
    result processing does not run for a function's result."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
