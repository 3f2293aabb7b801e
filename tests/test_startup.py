"""Start-up of the read-only commands: no crawler (Scrapy, trafilatura) and no alembic, which
made every command pay about a second before it read a row, and for `articles` and `--help`
not even SQLAlchemy (issue 22)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from conftest import FIXTURES, Labscope, source

from cli.archive import DIGEST_FORMATS
from crawler.site_server import SiteServer
from storage.db import open_database
from storage.digest.formats import FORMATS
from storage.revision import MIGRATIONS

DEEPSEEK = "/news/2025/deepseek-emerges.html"
HEAVY = ("scrapy", "trafilatura", "alembic")
JSON_SOURCE = """
[[sources]]
name = "posts"
kind = "json"
url = "http://127.0.0.1:9/api/posts"
links = "data.posts[].url"
script = "script#__NEXT_DATA__::text"
enabled = false
"""  # the default config has JSON sources: checking their expressions must not load Scrapy


def imported(labscope: Labscope, *args: str) -> set[str]:
    """The top-level packages `labscope args` imported, as `python -X importtime` lists them."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cli", "--config", str(labscope.config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=labscope.config.parent,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = (line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines())
    return {name.split(".")[0] for name in names if name}


def test_read_only_commands_import_no_crawler_and_no_alembic(
    site: SiteServer, labscope: Labscope
) -> None:
    labscope.write_config(source("deepseek", "page", site.url(DEEPSEEK)) + JSON_SOURCE)
    assert labscope("crawl").code == 0
    site.set_page(DEEPSEEK, (FIXTURES / "edited" / "deepseek-emerges-v2.html").read_bytes())
    assert labscope("crawl").code == 0
    url = site.url(DEEPSEEK)
    commands = [
        ("articles", "--limit", "20"),
        ("articles", "--json"),
        ("show", url),
        ("search", "DeepSeek"),
        ("entities",),
        ("sources",),
        ("runs",),
        ("diff", url),
        ("digest", "--since", "2000-01-01"),
        ("--help",),
    ]
    for command in commands:
        heavy = set(HEAVY) & imported(labscope, *command)
        assert not heavy, f"labscope {' '.join(command)} imported {sorted(heavy)}"
    lean = [
        ("articles", "--limit", "20"),
        ("articles", "--json", "--edited", "--entity", "深度求索"),
    ]
    for command in [*lean, ("--help",)]:
        assert "sqlalchemy" not in imported(labscope, *command), command
    # The measure can fail: a crawl imports the crawler, and an archive to migrate alembic.
    assert {"scrapy", "trafilatura"} <= imported(labscope, "crawl")
    with sqlite3.connect(labscope.db) as db:  # back to the schema before 0016
        db.execute("ALTER TABLE fetch_states DROP COLUMN visible_sha256")
        db.execute("UPDATE alembic_version SET version_num = ?", (revision_before("0016"),))
    assert "alembic" in imported(labscope, "articles")
    assert "alembic" not in imported(labscope, "articles")  # migrated once, checked by a query


def revision_before(revision: str) -> str:
    """The revision migration `revision` follows, from its file's down_revision line: the chain
    is renumbered when branches land, and the test must roll back one step whatever it is."""
    (path,) = (MIGRATIONS / "versions").glob(f"{revision}_*.py")
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("down_revision"):
            return line.split("=")[1].strip().strip('"')
    raise AssertionError(f"{path} names no down_revision")


def test_commands_without_a_digest_do_not_load_its_renderers(labscope: Labscope) -> None:
    labscope.write_config("")
    open_database(f"sqlite:///{labscope.db}").close()  # an empty archive
    assert "jinja2" not in imported(labscope, "articles")
    assert "jinja2" in imported(labscope, "digest", "--format", "html")


def test_the_digest_formats_offered_are_the_renderers_formats() -> None:
    assert DIGEST_FORMATS == FORMATS
