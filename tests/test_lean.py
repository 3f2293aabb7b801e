"""storage.lean answers `labscope articles` on SQLite without SQLAlchemy: it must give exactly
the ORM reader's answer, for every filter and order, and leave to it what it cannot answer."""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import DEMO_SITE, FIXTURES, Labscope, source
from test_changes import WECHAT_DELETED

from crawler.site_server import SiteServer
from storage import lean
from storage.db import open_database
from storage.filters import NO_FILTERS, SORTS, Filters
from storage.queries import list_articles

pytestmark = pytest.mark.sqlite_only  # the reader of SQLite files; PostgreSQL is the ORM's

DEEPSEEK = "/news/2025/deepseek-emerges.html"
ERNIE = "/news/2025/baidu-ernie.gbk.html"
QWEN = "/news/2025/qwen-25-max-launch.html"
ARTICLES = r"/news/20\d\d/[\w-]+(\.gbk)?\.html"


@dataclass(frozen=True)
class Archive:
    file: Path
    url: str


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """The fixture site crawled three times by two sources: the DeepSeek article credited to
    both and edited, the ERNIE one replaced by a removal notice, the Qwen one gone (404 twice):
    every column the list shows and every filter narrows by has more than one value."""
    folder = tmp_path_factory.mktemp("lean")
    site = SiteServer(DEMO_SITE).start()
    try:
        labscope = Labscope(folder / "config.toml", folder / "labscope.db")
        labscope.write_config(
            source("site", "listing", site.url("/news/index.html"), ARTICLES)
            + source("deepseek", "page", site.url(DEEPSEEK))
        )
        assert labscope("crawl").code == 0
        site.set_page(DEEPSEEK, (FIXTURES / "edited" / "deepseek-emerges-v2.html").read_bytes())
        site.set_page(ERNIE, WECHAT_DELETED.encode())
        site.set_page(QWEN, b"<h1>Gone</h1>", status=404)
        assert labscope("crawl").code == 0
        assert labscope("crawl").code == 0
    finally:
        site.stop()
    yield Archive(labscope.db, labscope.url)


def orm(archive: Archive, filters: Filters, sort: str, limit: int | None) -> list[object]:
    db = open_database(archive.url, create=False)
    try:
        with db.reading() as session:
            return list(list_articles(session, filters=filters, sort=sort, limit=limit))  # type: ignore[arg-type]
    finally:
        db.close()


def every_filter() -> Iterator[Filters]:
    """Each filter alone with each of its values, and their combinations two by two."""
    values: dict[str, list[object]] = {
        "sources": [["site"], ["deepseek"], ["site", "deepseek"]],
        "entity": ["DeepSeek", "Moonshot AI", "Alibaba"],
        "since": [datetime(2025, 1, 20, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC)],
        "until": [datetime(2025, 2, 1, tzinfo=UTC)],
        "language": ["zh", "en", "fr"],
        "edited": [True],
        "removed": [True],
    }
    yield Filters()
    for (one, ones), (two, twos) in itertools.combinations_with_replacement(values.items(), 2):
        for first, second in itertools.product(ones, twos):
            if one == two and first != second:
                continue
            yield Filters(**{one: first, two: second})  # type: ignore[arg-type]


def test_the_lean_reader_answers_as_the_orm_does(archive: Archive) -> None:
    answered = 0
    for filters, sort, limit in itertools.product(every_filter(), SORTS, (None, 2)):
        expected = orm(archive, filters, sort, limit)
        found = lean.list_articles(archive.file, filters=filters, sort=sort, limit=limit)  # type: ignore[arg-type]
        assert found == expected, (filters, sort, limit)
        answered += bool(expected)
    assert answered > 100  # most questions have rows to compare, not two empty lists
    everything = lean.list_articles(archive.file, filters=Filters(), sort="published", limit=None)
    assert everything is not None
    removed = {row.url.rsplit("/", 1)[-1]: row.removed for row in everything if row.removed}
    assert {name: r.reason for name, r in removed.items()} == {
        "baidu-ernie.gbk.html": "the page says: 该内容已被发布者删除",
        "qwen-25-max-launch.html": "the page answered HTTP 404 on 2 checks in a row",
    }
    assert {row.versions for row in everything} == {1, 2}


def test_what_the_lean_reader_cannot_tell_it_leaves_to_the_orm(
    archive: Archive, tmp_path: Path
) -> None:
    def answer(file: Path, filters: Filters = NO_FILTERS) -> object:
        return lean.list_articles(file, filters=filters, sort="published", limit=None)

    assert answer(archive.file) is not None
    assert answer(tmp_path / "missing.db") is None
    assert answer(archive.file, Filters(sources=["sitte"])) is None  # the ORM says "did you mean"
    assert answer(archive.file, Filters(entity="Moonshot")) is None  # the same for an entity
    (tmp_path / "notes.db").write_text("not a database", encoding="utf-8")
    assert answer(tmp_path / "notes.db") is None
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY)")
    assert answer(foreign) is None
    before = tmp_path / "before.db"
    shutil.copy(archive.file, before)
    with sqlite3.connect(before) as db:  # an archive the ORM reader must migrate first
        db.execute("UPDATE alembic_version SET version_num = '0001'")
    assert answer(before) is None
    untouched = before.read_bytes()
    answer(before)
    assert before.read_bytes() == untouched  # read-only: it never writes to the file


def test_the_command_reads_the_file_the_config_names(archive: Archive, tmp_path: Path) -> None:
    """Through the CLI, with the archive named by a relative [storage] url or by --db, the rows
    are the ORM's (the start-up test shows no SQLAlchemy was imported for them)."""
    shutil.copy(archive.file, tmp_path / "copy.db")
    labscope = Labscope(tmp_path / "config.toml", tmp_path / "copy.db")
    labscope.write_config("")
    expected = [row.id for row in orm(archive, Filters(), "published", None)]  # type: ignore[attr-defined]
    listed = labscope("articles", "--json")
    assert listed.code == 0, listed.stderr
    assert [row["id"] for row in listed.json()] == expected
    by_url = labscope("--db", f"sqlite:///{tmp_path / 'copy.db'}", "articles", "--json")
    assert [row["id"] for row in by_url.json()] == expected
    moonshot = [row.id for row in orm(archive, Filters(entity="Moonshot AI"), "published", None)]  # type: ignore[attr-defined]
    assert moonshot and moonshot != expected
    by_alias = labscope("articles", "--entity", "月之暗面", "--json")  # the bundled alias
    assert [row["id"] for row in by_alias.json()] == moonshot
    # [[entities]] of the config's own can make an alias of any name: the whole config decides.
    labscope.config.write_text(
        labscope.config.read_text(encoding="utf-8")
        + '\n[[entities]]\nname = "Moonshot AI"\ntype = "lab"\naliases = ["Dark Side"]\n',
        encoding="utf-8",
    )
    by_own_alias = labscope("articles", "--entity", "Dark Side", "--json")
    assert by_own_alias.code == 0, by_own_alias.stderr
    assert [row["id"] for row in by_own_alias.json()] == moonshot
