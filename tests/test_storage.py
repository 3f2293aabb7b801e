"""Version recording on a real SQLite file built by the migrations, and on PostgreSQL (conftest's
parity twins): a test reading SQLite's own pragmas or file is `sqlite_only`."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from importlib import import_module
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import archive_url
from sqlalchemy import func, inspect, select, text

from storage.db import HEAD_REVISION, Database, _alembic_config, open_database
from storage.entities import list_entities
from storage.errors import DatabaseError, NotFoundError
from storage.fetch_states import Check, record_checks, validators_for
from storage.filters import Filters
from storage.fingerprint import fingerprint
from storage.html_blobs import unpack
from storage.models import Article, Base, CrawlRun, Event, FetchState, HtmlBlob, Version
from storage.queries import article_detail, find_article, list_articles
from storage.records import EntityRecord, FetchedPage, PageContent
from storage.runs import close_abandoned_runs, start_run
from storage.versions import Outcome, ensure_source, record_page

T0 = datetime(2025, 1, 28, 9, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path, archive_kind: str, request: pytest.FixtureRequest) -> Iterator[Database]:
    url = archive_url(request, archive_kind, request.node.name)
    database = open_database(url or f"sqlite:///{tmp_path / 'test.db'}")
    with database.transaction() as session:
        ensure_source(session, "s", "page", "https://s.example/")
    yield database
    database.close()


def page(
    text: str,
    title: str = "Title",
    at: datetime = T0,
    html: bytes | None = None,
    url: str = "https://s.example/a",
) -> FetchedPage:
    return FetchedPage(
        source="s",
        url=url,
        article_url="https://s.example/a",
        fetched_at=at,
        body=html if html is not None else f"<p>{text}</p>".encode(),
        content=PageContent(title=title, text=text, published=T0),
        etag='"v1"',
        last_modified="Tue, 28 Jan 2025 09:00:00 GMT",
    )


def record(db: Database, p: FetchedPage) -> Outcome:
    with db.transaction() as session:
        return record_page(session, p).outcome


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"include_name": lambda name, kind, _: not str(name).startswith("search_")},
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


@pytest.mark.sqlite_only
def test_wal_mode_and_busy_timeout(db: Database) -> None:
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000


def test_two_writers_that_read_first_both_commit(db: Database) -> None:
    """A writer that read before another writer committed must wait, not fail: SQLite refuses
    to upgrade a stale read snapshot to a write, whatever the busy timeout."""
    other = open_database(str(db.engine.url))
    first_read = threading.Event()
    failures: list[BaseException] = []

    def second_writer() -> None:
        first_read.wait()
        try:
            record(other, page("Second writer.", url="https://s.example/b"))
        except BaseException as exc:  # reported below, with the first writer's result
            failures.append(exc)

    thread = threading.Thread(target=second_writer)
    thread.start()
    with db.transaction() as session:
        assert validators_for(session, ["https://s.example/a"]) == {}
        first_read.set()
        time.sleep(0.5)  # the second writer tries to commit meanwhile
        record_page(session, page("First writer."))
    thread.join()
    other.close()
    assert failures == []
    with db.reading() as session:
        assert session.scalar(select(func.count(Version.id))) == 2


def test_new_article_then_unchanged_then_new_version(db: Database) -> None:
    assert record(db, page("One. Two.")) is Outcome.NEW_ARTICLE
    assert record(db, page("One. Two.", at=T0 + timedelta(hours=1))) is Outcome.UNCHANGED
    assert record(db, page("One. Two. Three.", at=T0 + timedelta(hours=2))) is Outcome.NEW_VERSION
    with db.reading() as session:
        versions = session.scalars(select(Version).order_by(Version.number)).all()
        assert [v.number for v in versions] == [1, 2]
        article = session.scalars(select(Article)).one()
        assert article.last_checked == T0 + timedelta(hours=2)
        assert article.first_seen == T0


def test_edits_recorded_in_one_transaction_each_get_their_own_number(db: Database) -> None:
    """record_page is a library call: a caller batching pages must not see a version number
    reused (the unique constraint would fail the whole batch)."""
    with db.transaction() as session:
        texts = ["One.", "One. Two.", "One. Two. Three.", "One. Two. Three. Four."]
        record_page(session, page(texts[0]))
        # the caller holds the article: the session keeps it, with the versions it loaded
        held = session.scalars(select(Article)).one()
        assert [v.number for v in held.versions] == [1]
        for hour, text_ in enumerate(texts[1:], start=1):
            recorded = record_page(session, page(text_, at=T0 + timedelta(hours=hour)))
            assert recorded.version == hour + 1
        # compared with the version just stored, not with the one the session loaded first
        again = record_page(session, page(texts[-1], at=T0 + timedelta(hours=9)))
        assert again.outcome is Outcome.UNCHANGED
    with db.reading() as session:
        versions = session.scalars(select(Version).order_by(Version.number)).all()
        assert [(v.number, v.text) for v in versions] == list(enumerate(texts, start=1))
        assert [v.sentences_added for v in versions] == [0, 1, 1, 1]


@pytest.mark.sqlite_only
def test_planner_statistics_are_taken_again_when_the_versions_double(db: Database) -> None:
    assert not db.refresh_statistics()  # nothing stored: nothing to learn
    record(db, page("One."))
    assert db.refresh_statistics()
    assert not db.refresh_statistics()
    record(db, page("One. Two.", at=T0 + timedelta(hours=1)))
    assert db.refresh_statistics()
    with db.engine.connect() as connection:
        stat = connection.exec_driver_sql(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'versions' LIMIT 1"
        ).scalar()
    assert str(stat).split()[0] == "2"


def test_cosmetic_differences_are_not_a_new_version(db: Database) -> None:
    record(db, page("He said \u201cyes\u201d \u2014 and left.\nNext  paragraph."))
    outcome = record(db, page('He said "yes" - and left. Next paragraph. '))
    assert outcome is Outcome.UNCHANGED


def test_fingerprint_sees_real_changes() -> None:
    assert fingerprint("T", "Revenue rose 5%.") != fingerprint("T", "Revenue rose 6%.")
    assert fingerprint("T", "a") != fingerprint("U", "a")
    assert fingerprint("T", "深度求索发布了新模型。") != fingerprint("T", "深度求索发布了新模型")


def test_a_texts_fingerprint_never_changes() -> None:
    """Archives compare new pages with stored fingerprints: a faster normalise must agree."""
    text = (
        "He said \u201cyes\u201d \u2014 and left\u2026\u00a0Next  paragraph ( see [1] ) :\u2033 "
        "\u2018q\u2019 \u00abx\u00bb \u2212 3 ! ?\tﬁn \uff0c1\u20442"
    )
    expected = "b29ecf559705cb6f3510293b1cde956c2b3b7b7bc04c7ddc435b3338c7dff24e"
    assert fingerprint("T\u2019s  title ", text) == expected


def test_html_is_stored_compressed_once_per_hash(db: Database) -> None:
    html = b"<html>" + b"x" * 10_000 + b"</html>"
    record(db, page("One.", html=html))
    record(db, page("One. Two.", html=html))  # same HTML, new text (re-extraction case)
    with db.reading() as session:
        blobs = session.scalars(select(HtmlBlob)).all()
        assert len(blobs) == 1
        assert unpack(blobs[0].data) == html
        assert len(blobs[0].data) < len(html) / 10


def test_validators_and_checks(db: Database) -> None:
    record(db, page("One."))
    with db.reading() as session:
        known = validators_for(session, ["https://s.example/a", "https://s.example/b"]).get(
            "https://s.example/a"
        )
    assert known is not None and known.etag == '"v1"'
    with db.reading() as session:  # a URL never fetched is simply absent
        assert validators_for(session, ["https://s.example/never"]) == {}
    with db.transaction() as session:
        record_checks(session, [Check("https://s.example/a", T0 + timedelta(days=1), 304)])
    with db.reading() as session:
        assert session.scalars(select(Article)).one().last_checked == T0 + timedelta(days=1)
        assert session.scalars(select(FetchState)).one().last_status == 304
    later = T0 + timedelta(days=2)
    with db.transaction() as session:  # a batch: a known URL, and one never fetched before
        record_checks(
            session,
            [Check("https://s.example/a", later, 200), Check("https://s.example/b", later, 304)],
        )
    with db.reading() as session:
        assert session.scalars(select(Article)).one().last_checked == later
        states = {
            s.url: (s.last_status, s.last_fetched) for s in session.scalars(select(FetchState))
        }
    assert states == {"https://s.example/a": (200, later), "https://s.example/b": (304, later)}


def test_a_batch_of_checks_keeps_the_latest_and_restores_a_removed_article(db: Database) -> None:
    record(db, page("One."))
    url = "https://s.example/a"
    gone = T0 + timedelta(days=1)
    with db.transaction() as session:
        article = session.scalars(select(Article)).one()
        article.removed_at, article.gone_checks = gone, 2
    later, latest = T0 + timedelta(days=3), T0 + timedelta(days=4)
    with db.transaction() as session:
        held = session.scalars(select(Article)).one()  # a caller holding the article
        assert held.last_checked == T0
        # The same URL twice in a batch: its last answer is kept; an older check of the same
        # article in a later batch does not move last_checked back.
        record_checks(session, [Check(url, latest, 304), Check(url, later, 200)])
        assert (held.last_checked, held.gone_checks, held.removed_at) == (latest, 0, None)
        record_checks(session, [Check(url, T0 + timedelta(days=2), 304)])
        assert held.last_checked == latest
        record_checks(session, [Check(url, T0 + timedelta(days=5), 304)])
        assert held.last_checked == T0 + timedelta(days=5)
        session.add(FetchState(url="https://s.example/new", last_fetched=T0))  # not flushed
        record_checks(session, [Check("https://s.example/new", latest, 304)])
    with db.reading() as session:
        state = session.scalars(select(FetchState).where(FetchState.url == url)).one()
        assert (state.last_status, state.last_fetched) == (304, T0 + timedelta(days=5))
        events = session.execute(select(Event.kind, Event.at).order_by(Event.id)).all()
    assert events[-1] == ("restored", latest)


def test_times_come_back_aware_and_in_utc(db: Database) -> None:
    beijing = timezone(timedelta(hours=8))
    record(db, page("One.", at=datetime(2025, 1, 28, 17, tzinfo=beijing)))
    with db.reading() as session:
        assert session.scalars(select(Article)).one().first_seen == T0


def test_a_failed_transaction_leaves_nothing_behind(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        record_page(session, page("One."))
        raise RuntimeError("crash mid-page")
    with db.reading() as session:
        assert session.scalar(select(func.count(Version.id))) == 0
        assert session.scalar(select(func.count(Article.id))) == 0
        assert session.scalar(select(func.count(HtmlBlob.id))) == 0


def test_queries(db: Database) -> None:
    record(db, page("One."))
    record(db, page("One. Two.", title="New title"))
    with db.reading() as session:
        (summary,) = list_articles(session)
        assert (summary.title, summary.versions, summary.source) == ("New title", 2, "s")
        assert list_articles(session, filters=Filters(since=T0 + timedelta(days=1))) == []
        assert list_articles(session, filters=Filters(sources=["other"])) == []
        article = find_article(session, "https://s.example/a")
        assert article_detail(session, article, 1).title == "Title"
        with pytest.raises(NotFoundError, match="has no version 3; it has versions 1 to 2"):
            article_detail(session, article, 3)
        with pytest.raises(NotFoundError):
            find_article(session, "999")


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    open_database(url).close()
    open_database(url).close()
    with sqlite3.connect(tmp_path / "x.db") as conn:
        assert conn.execute("select version_num from alembic_version").fetchall() == [
            (HEAD_REVISION,)
        ]


def test_the_head_revision_known_without_alembic_is_alembics_head() -> None:
    """open_database skips alembic when the archive is at HEAD_REVISION: it must be the head."""
    assert ScriptDirectory.from_config(_alembic_config()).get_heads() == [HEAD_REVISION]


def test_entity_article_counts_are_kept_and_rebuilt_by_their_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    db = open_database(url)
    with db.transaction() as session:
        ensure_source(session, "s", "page", "https://s.example/")
    named = (EntityRecord("DeepSeek", "lab", True, "DeepSeek said.", 1),)
    later = T0 + timedelta(days=1)
    other = page("DeepSeek said three.", url="https://s.example/b")
    with db.transaction() as session:  # two versions of one article, and a second article
        record_page(session, replace(page("DeepSeek said one."), entities=named))
        record_page(session, replace(page("DeepSeek said two.", at=later), entities=named))
        record_page(session, replace(other, article_url=other.url, entities=named))
    with db.reading() as session:
        assert [e.articles for e in list_entities(session)] == [2]
    migration = import_module("storage.migrations.versions.0008_entity_articles")
    with db.transaction() as session:  # as the column arrives in an older archive: then filled
        session.execute(text("UPDATE entities SET articles = 0"))
        session.execute(text(migration.FILL))
    with db.reading() as session:
        assert [e.articles for e in list_entities(session)] == [2]


def test_runs_whose_process_is_gone_or_from_before_the_boot_are_closed(db: Database) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    with db.transaction() as session:
        alive, killed, rebooted = (start_run(session, "manual", ["s"]) for _ in range(3))
        session.get_one(CrawlRun, killed).pid = int(ended.stdout)
        session.get_one(CrawlRun, rebooted).started = T0  # our pid, but long before this boot
    with db.transaction() as session:
        assert close_abandoned_runs(session) == [killed, rebooted]
    with db.reading() as session:
        status = {run.id: run.status for run in session.scalars(select(CrawlRun))}
    assert status == {alive: "running", killed: "interrupted", rebooted: "interrupted"}


def test_database_from_a_newer_labscope_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    open_database(url).close()
    with sqlite3.connect(tmp_path / "x.db") as conn:
        conn.execute("update alembic_version set version_num = '9999'")
    with pytest.raises(DatabaseError, match="written by a newer labscope"):
        open_database(url)


def test_schema_changes_roll_back_with_their_transaction(db: Database) -> None:
    """A failed migration must not leave half a schema: DDL is inside the transaction too."""
    with pytest.raises(RuntimeError), db.transaction() as session:
        session.execute(text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("migration failed halfway")
    assert not inspect(db.engine).has_table("half_done")
