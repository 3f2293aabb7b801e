"""The tables: sources, articles, versions, fetched HTML, fetch state and crawl runs.

Tables only; recording and querying live in their own modules.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zones: values are stored as naive UTC and given their zone back on load.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: labscope stores aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON}


def table_of(model: type[Base]) -> Table:
    """The Table behind `model`, typed as one, for Core inserts and updates where the ORM's
    unit of work would cost more than the row (`model.__table__` is typed as any FromClause)."""
    return Base.metadata.tables[model.__tablename__]


def fitting(value: str | None, column: ColumnElement[Any]) -> str | None:
    """`value`, or None when it is longer than `column` allows.

    SQLite ignores VARCHAR lengths, PostgreSQL enforces them: without this a server's over-long
    ETag or Last-Modified, or a sitemap's junk language tag, would fail the whole page there.
    A value that long is not a usable validator or language tag anyway, and is not truncated:
    half an ETag sent back would be wrong.
    """
    length = getattr(column.type, "length", None)
    return None if value is not None and length is not None and len(value) > length else value


class Source(Base):
    """A configured source, kept so articles remember where they were found."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)


class Article(Base):
    """One article per canonical URL; its content lives in its versions."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    first_seen: Mapped[datetime]
    last_checked: Mapped[datetime]
    gone_checks: Mapped[int] = mapped_column(default=0, server_default="0")
    removed_at: Mapped[datetime | None]  # set while the article answers 404/410
    # The newest version's id (no foreign key: versions point at articles already); it lets
    # search and lists read the latest versions without a max() per article.
    latest_version_id: Mapped[int | None] = mapped_column(index=True)
    # The newest version's published date, else first seen: what --since, --until and the
    # `published` sort read, indexed so that they need not visit every latest version.
    dated: Mapped[datetime | None] = mapped_column(index=True)

    source: Mapped[Source] = relationship()
    versions: Mapped[list[Version]] = relationship(
        back_populates="article", order_by="Version.number"
    )


class HtmlBlob(Base):
    """Fetched HTML, packed by storage.html_blobs and stored once per distinct SHA-256, for
    re-extraction."""

    __tablename__ = "html_blobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Version(Base):
    """A distinct state of an article: exact text and metadata, and the HTML it came from."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    number: Mapped[int]
    fetched_at: Mapped[datetime] = mapped_column(index=True)
    fetched_url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON)
    published: Mapped[datetime | None]
    modified: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(16))
    site_name: Mapped[str | None] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    hints: Mapped[dict[str, Any]]
    html_id: Mapped[int] = mapped_column(ForeignKey("html_blobs.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    # The change summary against the previous version, stored so digests need no diffing.
    change_kind: Mapped[str | None] = mapped_column(String(16))  # None for version 1
    revert_to: Mapped[int | None]
    sentences_added: Mapped[int] = mapped_column(default=0, server_default="0")
    sentences_removed: Mapped[int] = mapped_column(default=0, server_default="0")
    sentences_edited: Mapped[int] = mapped_column(default=0, server_default="0")
    sentences_moved: Mapped[int] = mapped_column(default=0, server_default="0")
    chars_changed: Mapped[int] = mapped_column(default=0, server_default="0")
    # The rest of the verdict, recorded with the version (storage.verdicts); NULL `judged` marks
    # a version stored before verdicts were recorded, judged when it is read.
    judged: Mapped[str | None] = mapped_column(String(16))  # "stored_text" | "reextracted"
    judged_at: Mapped[datetime | None]
    title_before: Mapped[str | None] = mapped_column(Text)  # set when the title changed
    sentences_template: Mapped[int] = mapped_column(default=0, server_default="0")
    entities_added: Mapped[list[str] | None] = mapped_column(JSON)
    entities_removed: Mapped[list[str] | None] = mapped_column(JSON)

    article: Mapped[Article] = relationship(back_populates="versions")
    html: Mapped[HtmlBlob] = relationship()
    sentence_changes: Mapped[list[ChangedSentence]] = relationship(
        order_by="ChangedSentence.position", viewonly=True
    )


class ChangedSentence(Base):
    """One changed sentence of a version's verdict, against the text it was compared with.

    `template` marks a change the pages' template explains (storage.template): shown, never
    counted as an edit.
    """

    __tablename__ = "sentence_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))  # added | removed | edited | moved
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    old_index: Mapped[int | None]
    new_index: Mapped[int | None]
    template: Mapped[bool] = mapped_column(default=False, server_default=false())


class FetchState(Base):
    """What one URL last gave: validators for conditional requests and the HTML hash."""

    __tablename__ = "fetch_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    html_sha256: Mapped[str | None] = mapped_column(String(64))
    # What an extraction reads of that HTML (crawler.visible): equal on a recrawl, no extraction.
    visible_sha256: Mapped[str | None] = mapped_column(String(64))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_fetched: Mapped[datetime]


class CrawlRun(Base):
    """One crawl: when, what, and what came of it."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started: Mapped[datetime]
    finished: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(16))
    sources: Mapped[list[str]] = mapped_column(JSON)
    fetched: Mapped[int] = mapped_column(default=0)
    new_articles: Mapped[int] = mapped_column(default=0)
    new_versions: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    not_modified: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # {"url", "note", "source"} per page worth a word that did not fail: decoded in another
    # charset than it declared.
    notes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    # Per source: {"found", "fetched", "new_articles", "new_versions", "failed"}, for health.
    source_counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    # The process running the crawl, so a later crawl can tell a run whose process was killed.
    pid: Mapped[int | None]
    host: Mapped[str | None] = mapped_column(String(255))


class Entity(Base):
    """A lab, company, model, person, institution or place, with where it was first seen."""

    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(256), unique=True)
    type: Mapped[str] = mapped_column(String(16), index=True)
    known: Mapped[bool]
    first_seen: Mapped[datetime] = mapped_column(index=True)
    first_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    context: Mapped[str] = mapped_column(Text)
    # How many articles name it in any version: kept by record_mentions, so lists need no count.
    articles: Mapped[int] = mapped_column(default=0, server_default="0")


class Mention(Base):
    """That a version names an entity (and how often): entity diffs compare these sets."""

    __tablename__ = "mentions"

    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), primary_key=True, index=True)
    count: Mapped[int]


class Event(Base):
    """Something a user is told about: new article, edited, removed, restored, new entity.

    Digests and queries read events; nothing is recomputed from the versions.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    edit_kind: Mapped[str | None] = mapped_column(String(16))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    notice: Mapped[str | None] = mapped_column(Text)  # a removal notice's words


class DigestRecord(Base):
    """A digest that was written: its period, its files and whom it reached.

    The next digest starts where the last one ended, so no event is missed or repeated.
    """

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    since: Mapped[datetime]
    until: Mapped[datetime] = mapped_column(index=True)
    created: Mapped[datetime]
    last_event_id: Mapped[int]  # the digest covers events after the previous one's, up to this
    files: Mapped[list[str]] = mapped_column(JSON)
    deliveries: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class PendingDelivery(Base):
    """A digest not yet delivered to one target: written with the digest, deleted once the
    target answered (or failed for good), so a `schedule` stopped or killed meanwhile sends it
    at its next start."""

    __tablename__ = "pending_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id"), index=True)
    target: Mapped[str] = mapped_column(String(500))  # storage.digest.notify.target_name
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # the JSON digest, as webhooks get it
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime]


class HealthChange(Base):
    """A source's health changed (turned failing or empty, or recovered): recorded once, before
    anyone is told, so a notification is never sent twice and the next digest can list it."""

    __tablename__ = "health_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(255), index=True)
    state: Mapped[str] = mapped_column(String(16))  # ok | failing | empty
    previous: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))


class ArticleSource(Base):
    """Each source that found an article: `articles.source_id` is the one that stored it first;
    a second source listing the same URL is credited here too, so each source's count is true."""

    __tablename__ = "article_sources"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), primary_key=True, index=True)
    first_seen: Mapped[datetime]  # when this source first listed the article


class Story(Base):
    """Articles from any sources reporting one event (storage.stories groups them).

    `first_seen` and `first_article_id` are the earliest report (published, else first seen);
    `sources` counts distinct outlets so `stories --min-sources` is an indexed filter, not an
    aggregate over the archive.
    """

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(index=True)
    first_article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    created: Mapped[datetime] = mapped_column(index=True)
    updated: Mapped[datetime] = mapped_column(index=True)
    articles: Mapped[int] = mapped_column(default=1, server_default="1")
    sources: Mapped[int] = mapped_column(default=1, server_default="1", index=True)


class StoryArticle(Base):
    """An article's place in a story, with what grouping compares: its time and text sketch."""

    __tablename__ = "story_articles"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    at: Mapped[datetime] = mapped_column(index=True)  # published, else first seen
    joined: Mapped[datetime] = mapped_column(index=True)  # when it was linked
    sketch: Mapped[list[int]] = mapped_column(JSON)


class StoryKey(Base):
    """One grouping key of an article (an entity, a figure, a text-sketch value), indexed by key
    and time so a new article finds its candidates in one query however large the archive."""

    __tablename__ = "story_keys"
    __table_args__ = (Index("ix_story_keys_key_at", "key", "at"),)

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    at: Mapped[datetime]
