"""Storage and a real crawl on PostgreSQL: the README promises any SQLAlchemy URL works.

A throwaway server (tests/pg.py) runs for the session on a unix socket; each test gets a fresh
database built by the migrations. Without PostgreSQL on the machine these tests skip.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import FIXTURES, Labscope, source
from pg import Cluster
from sqlalchemy import func, inspect, select, text
from test_crawl import ARTICLE_PATHS, DEEPSEEK, EXPECTED

from crawler.site_server import SiteServer
from storage.db import MIGRATIONS, Database, open_database, write_retrying
from storage.errors import DatabaseError, NotFoundError
from storage.fetch_states import Check, record_checks, validators_for
from storage.filters import Filters
from storage.html_blobs import unpack
from storage.models import Article, Base, FetchState, HtmlBlob, Version
from storage.queries import article_detail, find_article, list_articles, list_runs
from storage.records import FetchedPage, PageContent
from storage.runs import RunCounts, finish_run, start_run
from storage.search import rebuild_index, search
from storage.search_query import QueryError
from storage.versions import Outcome, ensure_source, record_page

T0 = datetime(2025, 1, 28, 9, tzinfo=UTC)
REMOVED = "This background is crucial for understanding the evolving dynamics"
BEIJING = timezone(timedelta(hours=8))


@pytest.fixture
def pg_url(pg_cluster: Cluster, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database for this test."""
    return pg_cluster.create_database(request.node.name)


def _with_source(url: str) -> Database:
    database = open_database(url)
    with database.transaction() as session:
        ensure_source(session, "s", "page", "https://s.example/")
        ensure_source(session, "other", "feed", "https://o.example/feed.xml")
    return database


@pytest.fixture
def db(pg_url: str) -> Iterator[Database]:
    database = _with_source(pg_url)
    yield database
    database.close()


def page(
    text: str,
    title: str = "Title",
    at: datetime = T0,
    *,
    article: str = "a",
    src: str = "s",
    url: str | None = None,
    published: datetime | None = T0,
    **extra: Any,
) -> FetchedPage:
    article_url = f"https://s.example/{article}"
    return FetchedPage(
        source=src,
        url=url or article_url,
        article_url=article_url,
        fetched_at=at,
        body=f"<p>{title}: {text}</p>".encode(),
        content=PageContent(title=title, text=text, published=published, **extra),
        etag='"v1"',
        last_modified="Tue, 28 Jan 2025 09:00:00 GMT",
    )


def record(db: Database, p: FetchedPage) -> Outcome:
    with db.transaction() as session:
        return record_page(session, p).outcome


def fill(db: Database) -> None:
    """Three articles: two sources, two versions of one, one without a publication date."""
    record(db, page("One.", authors=("王小明", "Li Wei"), language="zh", site_name="新闻"))
    record(db, page("One. Two.", title="New title", at=T0 + timedelta(hours=1)))
    record(db, page("Older.", article="c", published=T0 - timedelta(days=1)))
    record(
        db, page("Undated.", article="b", src="other", at=T0 + timedelta(days=1), published=None)
    )


# --- schema -----------------------------------------------------------------------------------


def test_migrations_build_the_schema_and_match_the_models(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version", "search_documents"}
    with db.engine.connect() as connection:
        assert connection.dialect.name == "postgresql"
        context = MigrationContext.configure(
            connection,  # the search index is the migrations' own, as FTS5's tables on SQLite
            opts={"include_name": lambda name, kind, _: not str(name).startswith("search_")},
        )
        diff = compare_metadata(context, Base.metadata)
        types = dict(
            connection.execute(
                text(
                    "select table_name || '.' || column_name, data_type "
                    "from information_schema.columns where table_schema = 'public'"
                )
            ).all()
        )
    assert diff == []
    assert types["versions.published"] == "timestamp with time zone"
    assert types["versions.hints"] == "json"
    assert types["html_blobs.data"] == "bytea"


def test_reopening_does_not_migrate_again(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    open_database(pg_url).close()

    def upgrade(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("migrated an up-to-date database again")

    monkeypatch.setattr(command, "upgrade", upgrade)
    database = open_database(pg_url)
    try:
        with database.reading() as session:
            stored = session.execute(text("select version_num from alembic_version")).all()
    finally:
        database.close()
    heads = ScriptDirectory(str(MIGRATIONS)).get_heads()
    assert [row[0] for row in stored] == heads


def test_database_from_a_newer_labscope_is_refused(pg_url: str) -> None:
    open_database(pg_url).close()
    database = open_database(pg_url)
    with database.transaction() as session:
        session.execute(text("update alembic_version set version_num = '9999'"))
    database.close()
    with pytest.raises(DatabaseError, match="written by a newer labscope"):
        open_database(pg_url)


# --- recording --------------------------------------------------------------------------------


def test_new_article_then_unchanged_then_new_version(db: Database) -> None:
    assert record(db, page("One. Two.")) is Outcome.NEW_ARTICLE
    assert record(db, page("One.  Two.", at=T0 + timedelta(hours=1))) is Outcome.UNCHANGED
    assert record(db, page("One. Two. Three.", at=T0 + timedelta(hours=2))) is Outcome.NEW_VERSION
    with db.reading() as session:
        versions = session.scalars(select(Version).order_by(Version.number)).all()
        assert [v.number for v in versions] == [1, 2]
        article = session.scalars(select(Article)).one()
        assert article.first_seen == T0
        assert article.last_checked == T0 + timedelta(hours=2)


def test_times_come_back_aware_and_in_utc(db: Database) -> None:
    """The server runs on Asia/Shanghai time; a +08:00 time is stored as its instant."""
    record(db, page("One.", at=datetime(2025, 1, 28, 17, tzinfo=BEIJING)))
    with db.transaction() as session:
        when = datetime(2025, 1, 29, 1, tzinfo=BEIJING)
        record_checks(session, [Check("https://s.example/a", when, 304)])
    with db.reading() as session:
        article = session.scalars(select(Article)).one()
        assert article.first_seen == T0 and article.first_seen.tzinfo is UTC
        assert article.last_checked == T0 + timedelta(hours=8)
        assert article.last_checked.tzinfo is UTC
        assert session.scalars(select(Version)).one().published == T0
        raw = session.execute(
            text("select first_seen::text, current_setting('TimeZone') from articles")
        ).one()
    assert tuple(raw) == ("2025-01-28 17:00:00+08", "Asia/Shanghai")
    with pytest.raises(Exception, match="naive datetime"), db.transaction() as session:
        record_page(session, page("Two.", article="naive", at=datetime(2025, 1, 30, 9)))


def test_checks_move_last_checked_forward_only(db: Database) -> None:
    """record_checks compares times in SQL (a CASE): the instants count, not the zones."""
    record(db, page("One."))
    url = "https://s.example/a"
    later = datetime(2025, 1, 29, 1, tzinfo=BEIJING)  # T0 + 8 h
    with db.transaction() as session:
        record_checks(session, [Check(url, later, 304), Check(url, T0 + timedelta(hours=1), 200)])
    with db.transaction() as session:
        record_checks(session, [Check(url, T0 + timedelta(hours=2), 304)])
    with db.reading() as session:
        assert session.scalars(select(Article)).one().last_checked == T0 + timedelta(hours=8)
        state = session.scalars(select(FetchState)).one()
        assert (state.last_status, state.last_fetched) == (304, T0 + timedelta(hours=2))


def test_a_failed_transaction_leaves_nothing_behind(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        record_page(session, page("One."))
        raise RuntimeError("crash mid-page")
    with db.reading() as session:
        assert session.scalar(select(func.count(Version.id))) == 0
        assert session.scalar(select(func.count(Article.id))) == 0
        assert session.scalar(select(func.count(HtmlBlob.id))) == 0
        assert session.scalar(select(func.count(FetchState.id))) == 0
    assert record(db, page("One.")) is Outcome.NEW_ARTICLE  # the connection is usable again


def test_json_binary_and_validators_round_trip(db: Database) -> None:
    html = "<html><p>深度求索发布了新模型。</p>".encode() * 500
    hints = {"via": "sitemap", "title": "月之暗面", "nested": {"n": 1, "list": [None, True]}}
    p = dataclasses.replace(page("One."), body=html, hints=hints)
    record(db, p)
    with db.reading() as session:
        version = session.scalars(select(Version)).one()
        assert version.hints == hints
        assert unpack(version.html.data) == html
        known = validators_for(session, ["https://s.example/a", "https://s.example/b"]).get(
            "https://s.example/a"
        )
    assert known is not None
    assert (known.etag, known.last_modified) == ('"v1"', "Tue, 28 Jan 2025 09:00:00 GMT")


def test_over_long_header_values_do_not_lose_the_page(db: Database) -> None:
    """Servers send what they like; PostgreSQL enforces column lengths that SQLite ignores."""
    p = dataclasses.replace(
        page("One.", language="en-GB-x-" + "a" * 40),
        etag='"' + "e" * 600 + '"',
        last_modified="Tue, 28 Jan 2025 09:00:00 GMT; " + "x" * 80,
    )
    assert record(db, p) is Outcome.NEW_ARTICLE
    with db.reading() as session:
        assert session.scalars(select(Version)).one().language is None
        known = validators_for(session, ["https://s.example/a", "https://s.example/b"]).get(
            "https://s.example/a"
        )
    assert known is not None and (known.etag, known.last_modified) == (None, None)


def test_crawl_runs_are_recorded(db: Database) -> None:
    with db.transaction() as session:
        run_id = start_run(session, "manual", ["s", "other"])
    counts = RunCounts(
        fetched=2, failed=1, errors=[{"url": "https://s.example/x", "reason": "HTTP 404"}]
    )
    with db.transaction() as session:
        finish_run(session, run_id, counts, "finished")
    with db.reading() as session:
        (run,) = list_runs(session)
    assert (run.status, run.sources, run.fetched, run.failed) == ("finished", ["s", "other"], 2, 1)
    assert run.errors == counts.errors
    assert run.finished is not None and run.finished.tzinfo is UTC


# --- queries ----------------------------------------------------------------------------------


def test_queries(db: Database) -> None:
    fill(db)
    with db.reading() as session:
        listed = list_articles(session)
        # newest first by publication date, else first seen: b (undated, seen a day later), a, c
        assert [a.url.rsplit("/", 1)[1] for a in listed] == ["b", "a", "c"]
        b, a, _c = listed
        assert (a.title, a.versions, a.source, a.published) == ("New title", 2, "s", T0)
        assert (b.published, b.first_seen, b.source) == (None, T0 + timedelta(days=1), "other")
        since = datetime(2025, 1, 28, 17, tzinfo=BEIJING)  # = T0
        assert [x.id for x in list_articles(session, filters=Filters(since=since))] == [b.id, a.id]
        assert list_articles(session, filters=Filters(since=T0 + timedelta(days=2))) == []
        assert [x.id for x in list_articles(session, filters=Filters(sources=["other"]))] == [b.id]
        assert [
            x.id for x in list_articles(session, filters=Filters(sources=["s", "nope"]), limit=1)
        ] == [a.id]
        assert [x.id for x in list_articles(session, limit=2)] == [b.id, a.id]

        article = find_article(session, "https://s.example/a")
        assert find_article(session, str(article.id)) is article
        assert find_article(session, "https://x.example/?amp", "https://s.example/a") is article
        detail = article_detail(session, article)
        assert (detail.version, detail.title, detail.text) == (2, "New title", "One. Two.")
        first = article_detail(session, article, 1)
        assert (first.authors, first.language, first.site_name) == (
            ["王小明", "Li Wei"],
            "zh",
            "新闻",
        )
        assert [(v.number, v.fetched_at) for v in detail.versions] == [
            (1, T0),
            (2, T0 + timedelta(hours=1)),
        ]
        with pytest.raises(NotFoundError, match="has no version 3; it has versions 1 to 2"):
            article_detail(session, article, 3)
        for missing in ("999", str(2**31), str(2**70)):  # past INTEGER: not found, not an error
            with pytest.raises(NotFoundError, match="no article"):
                find_article(session, missing)


def test_find_article_by_the_url_it_was_fetched_under(db: Database) -> None:
    record(db, page("One.", url="https://s.example/amp/a"))
    with db.reading() as session:
        assert find_article(session, "https://s.example/amp/a").url == "https://s.example/a"


def test_queries_answer_as_on_sqlite(db: Database, tmp_path: Path) -> None:
    """The same pages stored in SQLite and in PostgreSQL give the same answers."""
    lite = _with_source(f"sqlite:///{tmp_path / 'same.db'}")
    try:
        for database in (db, lite):
            fill(database)
        answers = []
        for database in (db, lite):
            with database.reading() as session:
                answers.append(
                    (
                        list_articles(session),
                        list_articles(session, filters=Filters(since=T0), limit=5),
                        [article_detail(session, find_article(session, str(i))) for i in (1, 2, 3)],
                        article_detail(session, find_article(session, "1"), 1),
                    )
                )
    finally:
        lite.close()
    assert answers[0] == answers[1]


# --- a real crawl through the CLI -------------------------------------------------------------


def test_crawl_into_postgresql_through_the_cli(
    site: SiteServer, labscope: Labscope, pg_url: str
) -> None:
    labscope.write_config(source("listing", "listing", site.url("/news/index.html"), ARTICLE_PATHS))
    run = labscope("--db", pg_url, "crawl", "--json")
    assert run.code == 0, run.stderr
    first = run.json()
    assert (first["new_articles"], first["new_versions"], first["failed"]) == (6, 6, 0), first
    assert first["errors"] == []

    again = labscope("--db", pg_url, "crawl", "--json")
    assert again.code == 0, again.stderr
    second = again.json()
    assert (second["new_articles"], second["new_versions"], second["failed"]) == (0, 0, 0)
    assert second["unchanged"] == second["not_modified"] == 6

    listed = labscope("--db", pg_url, "articles", "--json").json()
    assert len(listed) == 6 and site.url(DEEPSEEK) in {a["url"] for a in listed}
    assert all(a["versions"] == 1 and a["first_seen"].endswith("+00:00") for a in listed)
    keys = [a["published"] or a["first_seen"] for a in listed]
    assert keys == sorted(keys, reverse=True)
    assert len(labscope("--db", pg_url, "articles", "--limit", "2", "--json").json()) == 2

    shown = labscope("--db", pg_url, "show", site.url(DEEPSEEK + "?utm_source=x"), "--json")
    assert shown.code == 0, shown.stderr
    detail = shown.json()
    assert detail["title"] == EXPECTED["title"]
    assert detail["published"].startswith(EXPECTED["published"])
    assert [v["number"] for v in detail["versions"]] == [1]
    for paragraph in EXPECTED["text_paragraphs"]:
        assert paragraph in detail["text"]

    missing = labscope("--db", pg_url, "show", str(2**40))
    assert (missing.code, missing.stderr.count("\n")) == (2, 1), missing.stderr

    runs = labscope("--db", pg_url, "runs", "--json").json()
    assert [(r["status"], r["new_articles"]) for r in runs] == [("finished", 0), ("finished", 6)]
    assert not labscope.db.exists()  # everything went to PostgreSQL, nothing to the config's SQLite

    # search works without FTS5 too: the same query language as ILIKE conditions
    def found(query: str, *args: str) -> list[str]:
        result = labscope("--db", pg_url, "search", query, *args, "--json")
        assert result.code == 0, result.stderr
        return [hit["url"].rsplit("/", 1)[-1] for hit in result.json()]

    assert found('"venture capital"') == ["deepseek-emerges.html"]
    assert found("月之暗面") == ["baidu-ernie.gbk.html"]
    assert "deepseek-emerges.html" not in found("DeepSeek NOT Feldgoise")
    assert found("Feldgoise", "--entity", "月之暗面") == ["deepseek-emerges.html"]
    digest = labscope("--db", pg_url, "digest", "--format", "json")
    assert digest.code == 0 and len(digest.json()["new_articles"]) == 6


# --- search: PostgreSQL's own index, the same answers as FTS5 ---------------------------------

PARITY_QUERIES = (
    "Janus",
    "janus",
    '"venture capital"',
    '"capital venture"',
    "Qwe*",
    "AI",
    "lab",  # a word, not the letters inside "labs" or "collaboration"
    "art",
    "model",
    "Qwen",
    "2025",
    "月之暗面",
    "深度求索",
    "百度",  # two characters: what a trigram index would miss
    "模型",
    "DeepSeek NOT Feldgoise",
    "Feldgoise OR Tsinghua",
    "(DeepSeek OR Qwen) AND model*",
    f'"{REMOVED}"',
)


def _searched(url: str) -> list[tuple[str, bool, set[tuple[str, tuple[int, ...]]]]]:
    """Every parity query's hits (URL and matching version numbers), latest and all versions."""
    database = open_database(url)
    try:
        with database.reading() as session:
            return [
                (
                    query,
                    every,
                    {
                        (hit.url.rsplit("/", 1)[-1], tuple(hit.versions))
                        for hit in search(session, query, all_versions=every, limit=100)
                    },
                )
                for query in PARITY_QUERIES
                for every in (False, True)
            ]
    finally:
        database.close()


def test_search_answers_as_on_sqlite(site: SiteServer, tmp_path: Path, pg_url: str) -> None:
    """The fixture site crawled twice (DeepSeek edited between) into each archive."""
    lite = Labscope(tmp_path / "lite" / "config.toml", tmp_path / "lite" / "labscope.db")
    pg = Labscope(tmp_path / "pg" / "config.toml", tmp_path / "pg" / "labscope.db", pg_url)
    sources = source("listing", "listing", site.url("/news/index.html"), ARTICLE_PATHS)
    for archive in (lite, pg):
        archive.config.parent.mkdir()
        archive.write_config(sources)
        assert archive("crawl").code == 0
    site.set_page(DEEPSEEK, (FIXTURES / "edited" / "deepseek-emerges-v2.html").read_bytes())
    for archive in (lite, pg):
        assert archive("crawl", "--json").json()["new_versions"] == 1
    on_sqlite, on_postgresql = _searched(lite.url), _searched(pg.url)
    assert on_postgresql == on_sqlite
    answers = {(query, every): hits for query, every, hits in on_postgresql}
    assert answers[("月之暗面", False)] == {("baidu-ernie.gbk.html", (1,))}
    assert answers[("百度", False)] == {("baidu-ernie.gbk.html", (1,))}
    assert answers[(f'"{REMOVED}"', False)] == set()
    assert answers[(f'"{REMOVED}"', True)] == {("deepseek-emerges.html", (1,))}
    assert ("deepseek-emerges.html", (2,)) in answers[('"venture capital"', False)]


def test_search_reads_the_gin_index_and_the_index_can_be_rebuilt(db: Database) -> None:
    fill(db)
    with db.reading() as session:
        session.execute(text("SET enable_seqscan = off"))  # a tiny table: make the plan tell
        plan = "\n".join(
            row[0]
            for row in session.execute(
                text(
                    "EXPLAIN SELECT version_id FROM search_documents "
                    "WHERE doc @@ to_tsquery('simple', 'two')"
                )
            )
        )
        assert "search_documents_doc" in plan
        assert {hit.url for hit in search(session, "Two")} == {"https://s.example/a"}
        assert search(session, "one", all_versions=True)[0].versions == [1, 2]
    with db.transaction() as session:
        assert rebuild_index(session) == 4
    with db.reading() as session:
        assert [hit.versions for hit in search(session, "undated")] == [[1]]
        with pytest.raises(QueryError, match="nothing to search for in '!!!'"):
            search(session, "!!!")


# --- two writers, one new article -------------------------------------------------------------


def test_a_page_two_writers_store_at_once_is_stored_once(db: Database) -> None:
    """Both find the article missing; the second's insert waits on the first's and then fails
    its unique constraint: the retry finds the article there, and the page is not lost."""
    other = open_database(db.url)
    outcomes: list[Outcome] = []
    failures: list[BaseException] = []

    def second_writer() -> None:
        try:
            outcomes.append(write_retrying(other, lambda s: record_page(s, page("One.")).outcome))
        except BaseException as exc:  # reported below
            failures.append(exc)

    thread = threading.Thread(target=second_writer)
    try:
        with db.transaction() as session:
            assert record_page(session, page("One.")).outcome is Outcome.NEW_ARTICLE
            thread.start()
            waiting = "select count(*) from pg_locks where not granted"
            with db.engine.connect() as watcher:  # until the second insert waits on ours
                while not watcher.execute(text(waiting)).scalar() and thread.is_alive():
                    watcher.commit()
        thread.join()
    finally:
        other.close()
    assert failures == []
    assert outcomes == [Outcome.UNCHANGED]
    with db.reading() as session:
        assert session.scalar(select(func.count(Version.id))) == 1
        assert session.scalar(select(func.count(Article.id))) == 1
