"""Build a large synthetic labscope archive, for benchmarking queries and search on it.

Search and list queries must stay fast on years of crawling, which no test database has: this
writes one in minutes. By default 100,000 articles with 300,000 versions (a third of the articles
have one version, a fifth have five or more, edits come within 30 days), 70% English and 30%
Chinese, 300-1,500 words (Chinese: 600-3,000 characters) each, from 14 sources named like the
real ones, published over the two years up to 2026-11-28, each naming 3-15 entities of the real
knowledge base, with edit kinds, mentions, entities and events, then the search index. The words
are real (see ``bench.archive.text``); the same seed gives the same rows, whatever --workers is.

Speed: articles are written by worker processes (one per core), the main process inserts them
with SQLAlchemy Core executemany in batches of 5,000 versions, one transaction each, with
``synchronous=OFF``: a throwaway database need not survive a power cut. Not stored: the fetched
HTML (every version points at one small shared blob: the benchmark is about queries, and the
crawler never reads old HTML back) and crawl runs (``run_id`` is NULL).
"""

from __future__ import annotations

import functools
import hashlib
import math
import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, inspect, select, update
from sqlalchemy.engine import make_url

from bench.archive.article import ArticlePlan, ArticleText, write_article
from bench.archive.text import Vocabulary, vocabulary
from storage.db import Database, open_database
from storage.html_blobs import pack
from storage.models import Article, Entity, Event, FetchState, HtmlBlob, Mention, Source, Version

END = datetime(2026, 11, 28, tzinfo=UTC)
SPAN = timedelta(days=730)
BATCH = 5_000  # versions per transaction
EDIT_KINDS = (("substantive", 0.55), ("minor", 0.37), ("correction", 0.08))
MAX_VERSIONS = 12
SHARED_HTML = b"<html><body><p>bench.archive: the fetched HTML is not kept.</p></body></html>"


@dataclass(frozen=True)
class SourceSpec:
    name: str
    kind: str
    url: str
    lang: str
    weight: int  # share of its language's articles
    site: str
    article: str  # URL pattern: {n} article number, {y} {m} {d} date, {slug}


SOURCES = [
    SourceSpec("scmp-tech", "feed", "https://www.scmp.com/rss/36/feed", "en", 14,
               "South China Morning Post",
               "https://www.scmp.com/tech/big-tech/article/{n}/{slug}"),
    SourceSpec("reuters-tech", "feed", "https://rsshub.app/reuters/technology", "en", 12,
               "Reuters",
               "https://www.reuters.com/technology/artificial-intelligence/{slug}-{y}-{m}-{d}/"),
    SourceSpec("technode", "feed", "https://technode.com/feed/", "en", 10, "TechNode",
               "https://technode.com/{y}/{m}/{d}/{slug}/"),
    SourceSpec("pandaily", "feed", "https://pandaily.com/feed/", "en", 8, "Pandaily",
               "https://pandaily.com/{slug}/"),
    SourceSpec("techcrunch-ai", "feed",
               "https://techcrunch.com/category/artificial-intelligence/feed/", "en", 9,
               "TechCrunch", "https://techcrunch.com/{y}/{m}/{d}/{slug}/"),
    SourceSpec("mit-tr", "feed", "https://www.technologyreview.com/feed/", "en", 4,
               "MIT Technology Review",
               "https://www.technologyreview.com/{y}/{m}/{d}/{n}/{slug}/"),
    SourceSpec("kr-asia", "feed", "https://kr-asia.com/feed", "en", 6, "KrASIA",
               "https://kr-asia.com/{slug}"),
    SourceSpec("caixin-global", "feed", "https://www.caixinglobal.com/rss/rss.xml", "en", 5,
               "Caixin Global", "https://www.caixinglobal.com/{y}-{m}-{d}/{slug}-{n}.html"),
    SourceSpec("hf-blog", "feed", "https://huggingface.co/blog/feed.xml", "en", 2,
               "Hugging Face", "https://huggingface.co/blog/{slug}"),
    SourceSpec("deepseek-news", "listing", "https://api-docs.deepseek.com/zh-cn/", "zh", 1,
               "DeepSeek API Docs", "https://api-docs.deepseek.com/zh-cn/news/news{y}{m}{d}{n}"),
    SourceSpec("qbitai", "feed", "https://www.qbitai.com/feed", "zh", 10, "量子位",
               "https://www.qbitai.com/{y}/{m}/{n}.html"),
    SourceSpec("36kr", "feed", "https://36kr.com/feed", "zh", 12, "36氪",
               "https://36kr.com/p/{n}"),
    SourceSpec("jiqizhixin", "listing", "https://www.jiqizhixin.com/", "zh", 7, "机器之心",
               "https://www.jiqizhixin.com/articles/{y}-{m}-{d}-{n}"),
    SourceSpec("ithome-ai", "feed", "https://www.ithome.com/rss/", "zh", 5, "IT之家",
               "https://www.ithome.com/0/{n}.htm"),
]  # fmt: skip


@dataclass(frozen=True)
class ArticleMeta:
    """Everything about an article that is decided before its text: where and when."""

    source: int  # index into SOURCES
    first_seen: datetime
    published: datetime | None
    fetched: tuple[datetime, ...]  # one per version
    last_checked: datetime
    plan: ArticlePlan


@dataclass(frozen=True)
class Built:
    articles: int
    versions: int
    entities: int
    mentions: int
    events: int
    indexed: int | None  # None: no search index to build
    seconds_rows: float
    seconds_index: float
    size_bytes: int  # of the database file


def plan_archive(articles: int, versions_per_article: float, seed: int) -> list[ArticleMeta]:
    """Each article's source, dates, number and kinds of versions; oldest first."""
    rng = random.Random(seed)
    counts = _version_counts(rng, articles, versions_per_article)
    start = END - SPAN
    metas = []
    for n, count in enumerate(counts):
        lang = "en" if rng.random() < 0.7 else "zh"
        choices = [i for i, s in enumerate(SOURCES) if s.lang == lang]
        source = rng.choices(choices, [SOURCES[i].weight for i in choices])[0]
        when = math.sqrt(rng.random())  # coverage grows: twice as many articles a day at the end
        first_seen = start + SPAN * when
        published = None
        if rng.random() < 0.9:  # some pages carry no date at all
            published = first_seen - timedelta(minutes=min(2880, rng.expovariate(1 / 180)))
        fetched = [first_seen]
        for _ in range(count - 1):
            fetched.append(_next_fetch(rng, fetched[-1], first_seen))
        edits = tuple(
            rng.choices([k for k, _ in EDIT_KINDS], [w for _, w in EDIT_KINDS])[0]
            for _ in range(count - 1)
        )
        size = rng.randint(300, 1500) if lang == "en" else rng.randint(600, 3000)
        plan = ArticlePlan(seed * 1_000_003 + n, lang, size, when, edits)
        checked = min(END, max(fetched[-1], first_seen + timedelta(days=30)))
        metas.append(ArticleMeta(source, first_seen, published, tuple(fetched), checked, plan))
    metas.sort(key=lambda m: m.first_seen)
    return metas


def _version_counts(rng: random.Random, articles: int, mean: float) -> list[int]:
    """Geometric counts (many articles never change, a few change often), with the exact total."""
    stay = (mean - 1) / mean
    counts = []
    for _ in range(articles):
        count = 1
        while count < MAX_VERSIONS and rng.random() < stay:
            count += 1
        counts.append(count)
    missing = round(articles * mean) - sum(counts)
    while missing:
        i = rng.randrange(articles)
        step = 1 if missing > 0 else -1
        if 1 <= counts[i] + step <= MAX_VERSIONS:
            counts[i] += step
            missing -= step
    return counts


def _next_fetch(rng: random.Random, previous: datetime, first_seen: datetime) -> datetime:
    """When an edit is found: on the recheck schedule, most soon after publication."""
    hours = rng.choices(
        [rng.uniform(0.25, 3), rng.uniform(3, 24), rng.uniform(24, 168), rng.uniform(168, 720)],
        [0.35, 0.3, 0.2, 0.15],
    )[0]
    latest = min(END, first_seen + timedelta(days=30))
    found = previous + timedelta(hours=hours)
    if found >= latest:  # squeeze it in before the last recheck
        found = previous + (latest - previous) * rng.uniform(0.1, 0.9)
    return found


def build_archive(
    url: str,
    *,
    articles: int = 100_000,
    versions_per_article: float = 3,
    seed: int = 7,
    workers: int | None = None,
    say: Callable[[str], None] = print,
) -> Built:
    """Write the archive into the empty database at `url` (SQLite), then its search index."""
    if make_url(url).get_backend_name() != "sqlite":
        raise SystemExit("bench.archive: the benchmark archive is SQLite only (FTS5 search)")
    db = open_database(url)
    try:
        with db.engine.connect() as conn:
            stored = conn.scalar(select(func.count()).select_from(Article))
        if stored:
            raise SystemExit(
                f"bench.archive: {url} already holds {stored:,} articles; use a new file"
            )
        began = time.perf_counter()
        metas = plan_archive(articles, versions_per_article, seed)
        vocabulary(seed)  # built once here; forked workers inherit it
        counts = _write_rows(db, metas, seed, workers or os.cpu_count() or 1, say)
        rows_done = time.perf_counter()
        indexed = _build_index(db, say)
        seconds_index = time.perf_counter() - rows_done
        size = Path(make_url(url).database or "").stat().st_size
        return Built(*counts, indexed, rows_done - began, seconds_index, size)
    finally:
        db.close()


def _write_rows(
    db: Database, metas: list[ArticleMeta], seed: int, workers: int, say: Callable[[str], None]
) -> tuple[int, int, int, int, int]:
    stubs = sorted(
        (when, article, number)
        for article, meta in enumerate(metas, start=1)
        for number, when in enumerate(meta.fetched, start=1)
    )
    writer = _RowWriter(metas, vocabulary(seed))
    with db.engine.connect() as conn:
        # On the DBAPI connection, before SQLAlchemy begins a transaction: `synchronous` cannot
        # change inside one. 256 MB of cache keeps the index pages being filled in memory.
        raw = conn.connection.dbapi_connection
        assert raw is not None
        for pragma in ("synchronous=OFF", "cache_size=-262144"):
            raw.execute(f"PRAGMA {pragma}")
        writer.prepare(conn)
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=vocabulary, initargs=(seed,)) as pool:
            write = functools.partial(_write_article, seed)
            texts = pool.imap(write, (m.plan for m in metas), chunksize=64)
            written = 0
            for when, article, number in stubs:
                writer.add(article, number, when, texts)
                if len(writer.versions) >= BATCH:
                    written += writer.flush(conn)
                    if written % (BATCH * 10) == 0:
                        say(f"  {written:,} of {len(stubs):,} versions")
            writer.flush(conn)
        writer.finish(conn)
    return writer.totals()


def _write_article(seed: int, plan: ArticlePlan) -> tuple[ArticleText, list[str]]:
    """In a worker: the article's versions and their fingerprints.

    The fingerprint is the SHA-256 of the exact title and text, not storage.fingerprint's
    normalised one: nothing recrawls a synthetic archive, and normalising ~6 KB costs 0.6 ms
    a version, more than writing it."""
    article = write_article(plan, vocabulary(seed))
    fingerprints = [
        hashlib.sha256(f"{v.title}\n{v.text}".encode()).hexdigest() for v in article.versions
    ]
    return article, fingerprints


class _RowWriter:
    """Turns articles into rows in time order, and inserts them a batch at a time."""

    def __init__(self, metas: list[ArticleMeta], vocab: Vocabulary) -> None:
        self.metas, self.vocab = metas, vocab
        self.urls: dict[int, str] = {}
        self.pending: dict[int, tuple[ArticleText, list[str]]] = {}
        self.entity_ids: dict[str, int] = {}
        self.articles: list[dict[str, Any]] = []
        self.versions: list[dict[str, Any]] = []
        self.entities: list[dict[str, Any]] = []
        self.mentions: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.latest: dict[int, int] = {}
        self.count = {"articles": 0, "versions": 0, "entities": 0, "mentions": 0, "events": 0}
        self.html_id = 0

    def prepare(self, conn: Connection) -> None:
        sources = [{"name": s.name, "kind": s.kind, "url": s.url} for s in SOURCES]
        conn.execute(insert(Source), [{"id": i, **s} for i, s in enumerate(sources, start=1)])
        sha = hashlib.sha256(SHARED_HTML).hexdigest()
        blob = {"sha256": sha, "size": len(SHARED_HTML), "data": pack(SHARED_HTML)}
        self.html_id = conn.execute(insert(HtmlBlob).values(**blob).returning(HtmlBlob.id)).one()[0]
        conn.commit()

    def add(
        self,
        article: int,
        number: int,
        when: datetime,
        texts: Iterator[tuple[ArticleText, list[str]]],
    ) -> None:
        meta = self.metas[article - 1]
        if number == 1:
            self.pending[article] = next(texts)  # workers return articles in first-seen order
        written, fingerprints = self.pending[article]
        version = written.versions[number - 1]
        source = SOURCES[meta.source]
        if number == 1:
            self.urls[article] = self._url(article, meta, written.versions[0].title)
            self.articles.append(
                {"id": article, "url": self.urls[article], "source_id": meta.source + 1,
                 "first_seen": meta.first_seen, "last_checked": meta.last_checked}
            )  # fmt: skip
        version_id = self.count["versions"] + len(self.versions) + 1
        hints = {}
        if source.kind == "feed":
            hints = {"title": written.versions[0].title}
            if meta.published:
                hints["published"] = meta.published.isoformat()
        self.versions.append(
            {
                "id": version_id, "article_id": article, "number": number, "fetched_at": when,
                "fetched_url": self.urls[article], "title": version.title, "text": version.text,
                "authors": list(written.authors), "published": meta.published,
                "modified": when if number > 1 and meta.published else None,
                "language": meta.plan.lang, "site_name": source.site,
                "fingerprint": fingerprints[number - 1], "hints": hints, "html_id": self.html_id,
                "run_id": None, "change_kind": meta.plan.edits[number - 2] if number > 1 else None,
                "revert_to": None, "sentences_added": version.added,
                "sentences_removed": version.removed, "sentences_edited": version.edited,
                "sentences_moved": 0, "chars_changed": version.chars_changed,
            }
        )  # fmt: skip
        kind = "new_article" if number == 1 else "edited"
        edit = meta.plan.edits[number - 2] if number > 1 else None
        self._event(kind, when, article, version_id, edit_kind=edit)
        for name, (count, context) in version.mentions.items():
            entity_id = self.entity_ids.get(name)
            if entity_id is None:
                entity_id = self.entity_ids[name] = len(self.entity_ids) + 1
                entity = self.vocab.by_name[name]
                self.entities.append(
                    {"id": entity_id, "name": name, "type": entity.type, "known": entity.known,
                     "first_seen": when, "first_version_id": version_id, "context": context}
                )  # fmt: skip
                self._event("new_entity", when, article, version_id, entity_id=entity_id)
            self.mentions.append({"version_id": version_id, "entity_id": entity_id, "count": count})
        if number == len(meta.fetched):
            del self.pending[article]
            self.latest[article] = version_id

    def _event(self, kind: str, at: datetime, article: int, version: int, **more: Any) -> None:
        row = {"kind": kind, "at": at, "article_id": article, "version_id": version,
               "entity_id": None, "edit_kind": None, "run_id": None}  # fmt: skip
        self.events.append(row | more)

    def _url(self, article: int, meta: ArticleMeta, title: str) -> str:
        words = "".join(c if c.isascii() and c.isalnum() else " " for c in title.lower()).split()
        slug = "-".join([*words[:8], str(article)])  # the number keeps URLs unique
        day = meta.first_seen
        return SOURCES[meta.source].article.format(
            n=article, y=day.year, m=f"{day.month:02}", d=f"{day.day:02}", slug=slug
        )

    def flush(self, conn: Connection) -> int:
        """Insert what is waiting, parents first, in one transaction."""
        flushed = len(self.versions)
        for table, rows, key in (
            (Article, self.articles, "articles"),
            (Version, self.versions, "versions"),
            (Entity, self.entities, "entities"),
            (Mention, self.mentions, "mentions"),
            (Event, self.events, "events"),
        ):
            if rows:
                conn.execute(insert(table), rows)
                self.count[key] += len(rows)
                rows.clear()
        conn.commit()
        return flushed

    def finish(self, conn: Connection) -> None:
        """The pointers and states that need every version stored first."""
        if "latest_version_id" in {c["name"] for c in inspect(conn).get_columns("articles")}:
            latest = update(Article).where(Article.id == bindparam("aid"))
            latest = latest.values(latest_version_id=bindparam("vid"))
            for ids in _chunks(sorted(self.latest.items()), BATCH):
                conn.execute(latest, [{"aid": a, "vid": v} for a, v in ids])
        if "dated" in {c["name"] for c in inspect(conn).get_columns("articles")}:
            published = select(Version.published).where(Version.id == Article.latest_version_id)
            dated = func.coalesce(published.scalar_subquery(), Article.first_seen)
            conn.execute(update(Article).values(dated=dated))
        states = [
            {"url": self.urls[a], "article_id": a, "last_status": 200,
             "html_sha256": hashlib.sha256(SHARED_HTML).hexdigest(),
             "last_fetched": self.metas[a - 1].last_checked}
            for a in sorted(self.latest)
        ]  # fmt: skip
        for rows in _chunks(states, BATCH):
            conn.execute(insert(FetchState), rows)
        conn.commit()

    def totals(self) -> tuple[int, int, int, int, int]:
        c = self.count
        return c["articles"], c["versions"], c["entities"], c["mentions"], c["events"]


def _chunks(rows: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _build_index(db: Database, say: Callable[[str], None]) -> int | None:
    """Index every version for search, with the storage module's own bulk function."""
    try:
        from storage.search import rebuild_index
    except ImportError:
        say("search index: storage.search.rebuild_index does not exist yet; not built")
        return None
    say("building the search index ...")
    with db.transaction() as session:
        return rebuild_index(session)


def describe(built: Built) -> str:
    index = "not built" if built.indexed is None else f"{built.indexed:,} versions"
    return (
        f"built {built.articles:,} articles, {built.versions:,} versions, "
        f"{built.entities:,} entities, {built.mentions:,} mentions, {built.events:,} events "
        f"in {built.seconds_rows:.0f} s; search index: {index} in {built.seconds_index:.0f} s; "
        f"{built.size_bytes / 1e6:,.0f} MB"
    )
