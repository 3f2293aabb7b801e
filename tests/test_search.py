"""Search, filters, views and exports on a real crawl of the fixture site, through the CLI."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from conftest import DEMO_SITE, FIXTURES, Labscope, archive_url, source

from crawler.site_server import SiteServer
from storage.db import _alembic_config, open_database
from storage.filters import Filters
from storage.queries import list_articles

DEEPSEEK = "/news/2025/deepseek-emerges.html"
ERNIE = "/news/2025/baidu-ernie.gbk.html"
ARTICLES = r"/news/20\d\d/[\w-]+(\.gbk)?\.html"
REMOVED = "This background is crucial for understanding the evolving dynamics"


@dataclass(frozen=True)
class Crawled:
    labscope: Labscope
    site: SiteServer


@pytest.fixture(scope="module")
def crawled(
    tmp_path_factory: pytest.TempPathFactory, archive_kind: str, request: pytest.FixtureRequest
) -> Iterator[Crawled]:
    """The six fixture articles, the DeepSeek one edited once (so it has two versions): crawled
    once per archive kind for the module's tests, which only read it (two crawls a test were
    most of the suite's search time)."""
    folder = tmp_path_factory.mktemp("search")
    site = SiteServer(DEMO_SITE).start()
    archive = archive_url(request, archive_kind, f"search_{archive_kind}")
    labscope = Labscope(folder / "config.toml", folder / "labscope.db", archive)
    labscope.write_config(source("site", "listing", site.url("/news/index.html"), ARTICLES))
    first = labscope("crawl")
    assert first.code == 0, first.stderr
    site.set_page(DEEPSEEK, (FIXTURES / "edited" / "deepseek-emerges-v2.html").read_bytes())
    second = labscope("crawl", "--json")
    assert second.code == 0, second.stderr
    assert second.json()["new_versions"] == 1
    yield Crawled(labscope, site)
    site.stop()


@pytest.fixture
def archive(crawled: Crawled) -> Labscope:
    return crawled.labscope


@pytest.fixture
def site(crawled: Crawled) -> SiteServer:
    """The site the shared archive was crawled from (its URLs name its port)."""
    return crawled.site


def urls(result: list[dict[str, object]]) -> list[str]:
    return [str(hit["url"]).rsplit("/", 1)[-1] for hit in result]


def test_search_finds_words_phrases_prefixes_and_chinese(archive: Labscope) -> None:
    def found(*args: str) -> list[str]:
        result = archive("search", *args, "--json")
        assert result.code == 0, result.stderr
        return urls(result.json())

    assert "deepseek-emerges.html" in found("Janus")
    assert found('"venture capital"') == ["deepseek-emerges.html"]
    assert found('"capital venture"') == []  # a phrase is in order
    assert "qwen-25-max-launch.html" in found("Qwe*")
    assert found("月之暗面") == ["baidu-ernie.gbk.html"]
    assert found("深度求索") == ["baidu-ernie.gbk.html"]
    assert found("百度") == ["baidu-ernie.gbk.html"]  # two characters: no trigram index would do
    assert "deepseek-emerges.html" not in found("DeepSeek NOT Feldgoise")
    assert set(found("Feldgoise OR Tsinghua")) >= {"deepseek-emerges.html"}
    hit = archive("search", "Feldgoise", "--json").json()[0]
    assert set(hit) == {
        "id",
        "url",
        "title",
        "source",
        "published",
        "snippet",
        "versions",
        "language",
    }
    assert "«Feldgoise»" in hit["snippet"]


def test_text_only_in_an_old_version_needs_all_versions(archive: Labscope) -> None:
    assert archive("search", f'"{REMOVED}"', "--json").json() == []
    (hit,) = archive("search", f'"{REMOVED}"', "--all-versions", "--json").json()
    assert hit["versions"] == [1]
    (both,) = archive("search", "Janus", "--all-versions", "--source", "site", "--json").json()[:1]
    assert both["versions"] == [1, 2]


def test_filters_combine(archive: Labscope) -> None:
    def listed(*args: str) -> list[str]:
        result = archive("articles", *args, "--json")
        assert result.code == 0, result.stderr
        return urls(result.json())

    assert listed("--entity", "月之暗面", "--language", "zh") == ["baidu-ernie.gbk.html"]
    assert "deepseek-emerges.html" in listed("--entity", "Moonshot AI")
    assert listed("--edited") == ["deepseek-emerges.html"]
    assert listed("--since", "2025-03-01", "--until", "2025-04-01") == ["baidu-ernie.gbk.html"]
    assert archive("articles", "--source", "nope").code == 2  # a typo: tests/test_first_steps.py
    assert listed("--sort", "edits")[0] == "deepseek-emerges.html"
    assert len(listed("--sort", "first_seen", "--limit", "2")) == 2
    assert (
        archive("search", "DeepSeek", "--language", "zh", "--json").json()[0]["url"].endswith(ERNIE)
    )
    assert urls(archive("search", "model", "--edited", "--json").json()) == [
        "deepseek-emerges.html"
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"unclosed', "unbalanced quote"),
        ("(DeepSeek", "unbalanced parenthesis"),
        ("DeepSeek OR", "without a word"),
        ("NOT", "ends with an operator"),
        ("   ", "empty search query"),
        ("!!!", "nothing to search for"),
    ],
)
def test_malformed_queries_are_one_line_errors(archive: Labscope, query: str, message: str) -> None:
    result = archive("search", query)
    assert result.code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_show_at_a_time(archive: Labscope, site: SiteServer) -> None:
    shown = archive("show", site.url(DEEPSEEK), "--json").json()
    first, second = shown["versions"]
    old = archive("show", site.url(DEEPSEEK), "--at", first["fetched_at"], "--json").json()
    assert old["version"] == 1 and REMOVED in old["text"]
    new = archive("show", site.url(DEEPSEEK), "--at", second["fetched_at"], "--json").json()
    assert new["version"] == 2
    early = archive("show", site.url(DEEPSEEK), "--at", "2020-01-01")
    assert early.code == 2 and "was not seen yet" in early.stderr


def test_stats(archive: Labscope) -> None:
    stats = archive("stats", "--json").json()
    assert (stats["articles"], stats["versions"], stats["sources"]) == (6, 7, 1)
    assert stats["edits"]["correction"] == 1
    assert stats["entities"]["known"] > 10
    assert stats["busiest"][0]["articles"] >= 4  # DeepSeek is named almost everywhere
    assert "Busiest" in archive("stats").stdout


def test_exports_round_trip(archive: Labscope, site: SiteServer, tmp_path: Path) -> None:
    lines = archive("export").stdout.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 6
    for record in records:
        shown = archive("show", str(record["id"]), "--json").json()
        assert (record["title"], record["text"], record["url"]) == (
            shown["title"],
            shown["text"],
            shown["url"],
        )
        assert record["version"] == len(shown["versions"])
    zh = next(r for r in records if r["url"].endswith(ERNIE))
    assert "Moonshot AI" in zh["entities"] and "文心" in zh["title"]

    target = tmp_path / "versions.csv"
    result = archive("export", "--format", "csv", "--all-versions", "--output", str(target))
    assert result.code == 0 and "Exported 7 records" in result.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == 7
    deepseek = [r for r in rows if r["url"] == site.url(DEEPSEEK)]
    assert [r["version"] for r in deepseek] == ["1", "2"]
    assert REMOVED in deepseek[0]["text"] and REMOVED not in deepseek[1]["text"]
    assert [r["change_kind"] for r in deepseek] == ["", "correction"]


def test_the_search_migration_indexes_an_existing_archive(tmp_path: Path) -> None:
    """A database from before search (schema 0003) gets its index built by the migration."""
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    config = _alembic_config()
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0003")
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            insert into sources (id, name, kind, url) values (1, 's', 'page', 'https://s.example/');
            insert into html_blobs (id, sha256, size, data) values (1, 'x', 1, x'00');
            insert into articles (id, url, source_id, first_seen, last_checked, gone_checks)
              values (1, 'https://s.example/a', 1, '2025-01-28 09:00:00', '2025-01-28 09:00:00', 0);
            insert into versions (id, article_id, number, fetched_at, fetched_url, title, text,
              authors, fingerprint, hints, html_id, sentences_added, sentences_removed,
              sentences_edited, sentences_moved, chars_changed)
              values (1, 1, 1, '2025-01-28 09:00:00', 'https://s.example/a', '月之暗面发布新模型',
              'Kimi 已经上线。', '[]', 'f', '{}', 1, 0, 0, 0, 0, 0);
            """
        )
    db = open_database(url)
    from storage.search import search

    with db.reading() as session:
        (hit,) = search(session, "月之暗面")
        assert hit.url == "https://s.example/a"
        assert search(session, "Kimi")[0].id == 1
        # ... and its date (no published date: first seen) by migration 0006, for --since
        day = datetime(2025, 1, 28, tzinfo=UTC)
        assert [a.id for a in list_articles(session, filters=Filters(since=day))] == [1]
        assert list_articles(session, filters=Filters(since=day + timedelta(days=1))) == []


def test_rebuilding_the_index_of_a_filled_archive(archive: Labscope) -> None:
    from storage.search import rebuild_index, search

    db = open_database(archive.url)
    try:
        with db.transaction() as session:
            assert rebuild_index(session) == 7
        with db.reading() as session:
            assert [hit.url.rsplit("/", 1)[-1] for hit in search(session, "月之暗面")] == [
                "baidu-ernie.gbk.html"
            ]
            assert search(session, f'"{REMOVED}"') == []
            assert search(session, f'"{REMOVED}"', all_versions=True)[0].versions == [1]
    finally:
        db.close()  # PostgreSQL's connections warn when left to the garbage collector


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("(" * 400 + "a" + ")" * 400, "nests parentheses 400 deep; the limit is 16"),
        (" OR ".join(f"w{i}" for i in range(3000)), "25886 characters long; the limit is 1000"),
        (" OR ".join(f"w{i}" for i in range(100)), "has 100 terms; the limit is 64"),
    ],
    ids=["parentheses", "long", "terms"],
)
def test_oversized_queries_are_one_line(labscope: Labscope, query: str, message: str) -> None:
    """A RecursionError (internal error) and multi-second queries before the caps."""
    labscope.write_config("")
    open_database(labscope.url).close()  # an empty archive: the query is refused
    result = labscope("search", query)
    assert result.code == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
