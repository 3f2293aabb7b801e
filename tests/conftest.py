"""Shared test parts: the fixture site on 127.0.0.1, config files, and the CLI in a subprocess.

Archive parity: in the modules named in PARITY_MODULES every test that uses the `labscope`
fixture (or asks for `archive_kind`) runs twice, on SQLite and on a database of the session's
throwaway PostgreSQL server (tests/pg.py); a test parametrized otherwise too has one PostgreSQL
twin, its first case. A test that reads the SQLite file itself is marked `sqlite_only` and runs
once; so does one marked `one_archive`, whose subject is decided before anything is stored (the
suite has a 10-minute budget on 2 cores, and such a twin only repeated its SQLite run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from pg import Cluster, postgres_cluster

from crawler.demo import DEMO_SITE
from crawler.site_server import SiteServer

# The suite is reproducible: the same examples on every run and machine, so CI fails only for a
# change. LABSCOPE_HYPOTHESIS=explore draws new examples each run, to hunt for new bugs.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile(os.environ.get("LABSCOPE_HYPOTHESIS", "repeatable"))

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
ARTICLES = 40  # how many many_articles() makes by default
TEMPLATE = "/news/2025/deepseek-emerges.html"
# The storage, change, search, digest and web tests: they run on both archives.
PARITY_MODULES = frozenset(
    {"test_storage", "test_changes", "test_search", "test_digest_formats", "test_web"}
)
ARCHIVES = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: reads the SQLite file; no PostgreSQL twin")
    config.addinivalue_line(
        "markers",
        "one_archive: what the test varies (a page's extraction, a rendering, an input error) is "
        "decided before storage; its PostgreSQL twin would repeat the SQLite run",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a parity module's archive tests on SQLite and on PostgreSQL (module scope: a module
    fixture such as test_web's served archive is built once per archive)."""
    if (
        metafunc.module.__name__ in PARITY_MODULES
        and "archive_kind" in metafunc.fixturenames
        and metafunc.definition.get_closest_marker("sqlite_only") is None
        and metafunc.definition.get_closest_marker("one_archive") is None
    ):
        metafunc.parametrize("archive_kind", ARCHIVES, indirect=True, scope="module")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test parametrized otherwise too gets one PostgreSQL twin (the case whose id sorts
    first, whatever the run's order), not one per case: the cases vary what the test feeds in,
    the twin checks the archive underneath."""
    first: dict[tuple[str, str], str] = {}
    for item in items:
        if (key := _extra_twin_key(item)) is not None:
            first[key] = min(first.get(key, item.name), item.name)
    dropped = [
        item
        for item in items
        if (key := _extra_twin_key(item)) is not None and first[key] != item.name
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(dropped)
        items[:] = [item for item in items if item not in gone]


def _extra_twin_key(item: pytest.Item) -> tuple[str, str] | None:
    """(file, test) for a PostgreSQL twin of a test with other parameters; else None."""
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec is not None else {}
    if params.get("archive_kind") != "postgresql" or len(params) < 2:
        return None
    return item.nodeid.split("::")[0], getattr(item, "originalname", item.name)


@pytest.fixture(scope="session")
def archive_kind(request: pytest.FixtureRequest) -> str:
    """ "sqlite" unless the test is one of a parity module's PostgreSQL twins."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL server for the session (skips when the machine has none)."""
    yield from postgres_cluster()


def archive_url(request: pytest.FixtureRequest, kind: str, hint: str) -> str | None:
    """A fresh PostgreSQL database's URL for a PostgreSQL twin; None means the config's SQLite."""
    if kind != "postgresql":
        return None
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(hint)


@pytest.fixture
def site() -> Iterator[SiteServer]:
    """The demo news site, served fresh for each test so tests can edit pages."""
    server = SiteServer(DEMO_SITE).start()
    yield server
    server.stop()


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclass
class Labscope:
    """Runs the real `labscope` CLI in a child process, as a user would."""

    config: Path
    db: Path
    archive: str | None = None  # a PostgreSQL URL; None: the SQLite file `db`

    @property
    def url(self) -> str:
        """The archive's SQLAlchemy URL, for opening it from the test itself."""
        return self.archive or f"sqlite:///{self.db}"

    def __call__(self, *args: str, timeout: float = 120, columns: int | None = None) -> Result:
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        env.pop("LABSCOPE_CONFIG", None)
        env.pop("LABSCOPE_DB", None)
        # xdist's workers export COLUMNS=80; a user's piped output has none unless they set it.
        env.pop("COLUMNS", None)
        if columns is not None:
            env["COLUMNS"] = str(columns)
        proc = subprocess.run(
            [sys.executable, "-m", "cli", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.config.parent,
            env=env,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def write_config(self, sources: str, crawl: str = "delay = 0\ntimeout = 5") -> None:
        url = self.archive or f"sqlite:///{self.db.name}"  # relative: the config's folder
        self.config.write_text(
            f'[storage]\nurl = "{url}"\n\n[crawl]\n{crawl}\n\n{sources}',
            encoding="utf-8",
        )


@pytest.fixture
def labscope(tmp_path: Path, archive_kind: str, request: pytest.FixtureRequest) -> Labscope:
    archive = archive_url(request, archive_kind, request.node.name)
    return Labscope(tmp_path / "config.toml", tmp_path / "labscope.db", archive)


def source(name: str, kind: str, url: str, follow: str | None = None) -> str:
    """A [[sources]] table as TOML text."""
    text = f'[[sources]]\nname = "{name}"\nkind = "{kind}"\nurl = "{url}"\n'
    if follow:
        text += f"follow = '{follow}'\n"
    return text + "\n"


def add_story(site: SiteServer, i: int) -> str:
    """Story `i`: the fixture article with its own headline and a sentence of its own, served at
    /many/story-i.html; returns the path."""
    html = (site.root / TEMPLATE.lstrip("/")).read_bytes().decode("utf-8")
    title = "How China’s DeepSeek Emerged as a Major Player in the AI Landscape"
    path = f"/many/story-{i}.html"
    page = html.replace(title, f"Story {i}: how a lab numbered {i} grew").replace(
        "<p>", f"<p>Reporting for story {i} began on day {i + 1} of the month. ", 1
    )
    site.set_page(path, page.replace(TEMPLATE, path).encode("utf-8"))
    return path


def list_stories(site: SiteServer, stories: Iterable[int]) -> str:
    """The listing page /many/index.html linking `stories`; returns its URL."""
    links = "".join(
        f'<li><a href="/many/story-{i}.html">Story {i}: how a lab numbered {i} grew</a></li>'
        for i in stories
    )
    site.set_page("/many/index.html", f"<html><body><ul>{links}</ul></body></html>".encode())
    return site.url("/many/index.html")


def many_articles(site: SiteServer, count: int = ARTICLES) -> str:
    """`count` distinct stories and the listing page linking them; returns the listing's URL."""
    for i in range(count):
        add_story(site, i)
    return list_stories(site, range(count))


def edit(site: SiteServer, story: int, trial: int) -> str:
    """Give story `story` a new sentence for this trial; returns the sentence."""
    path = f"/many/story-{story}.html"
    sentence = (
        f"Update {trial}: the lab numbered {story} confirmed the figures on trial day {trial}."
    )
    page = site.overrides[path]
    site.set_page(path, page.body.replace(b"<p>", f"<p>{sentence} ".encode(), 1))
    return sentence
