"""A database written by the first released schema (0001) is upgraded with nothing lost.

`tests/fixtures/schema-0001.db` was written by labscope at commit 70fb2c6 (schema 0001): two
crawls of the demo site, the second after the DeepSeek page was edited (see fixtures/README.md).
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from conftest import FIXTURES, Labscope, source

from crawler.site_server import SiteServer
from storage.db import open_database
from storage.html_blobs import unpack

DEEPSEEK = "/news/2025/deepseek-emerges.html"
WRITTEN_AT = "127.0.0.1:8765"  # where the demo site was served when the fixture was written
# What schema 0001 holds, column by column: all of it must come through the upgrade unchanged.
TABLES = {
    "sources": "id, name, kind, url",
    "articles": "id, url, source_id, first_seen, last_checked",
    "versions": "id, article_id, number, fetched_at, fetched_url, title, text, authors, "
    "published, modified, language, site_name, fingerprint, hints, html_id, run_id",
    "html_blobs": "id, sha256, size, data",
    "fetch_states": "id, url, article_id, etag, last_modified, html_sha256, last_status, "
    "last_error, last_fetched",
    "crawl_runs": "id, started, finished, status, trigger, sources, fetched, new_articles, "
    "new_versions, unchanged, failed, errors",
}


def rows(db: Path) -> dict[str, list[Any]]:
    with sqlite3.connect(db) as conn:
        return {
            table: conn.execute(f"SELECT {columns} FROM {table} ORDER BY 1").fetchall()
            for table, columns in TABLES.items()
        }


def moved(db: Path, base: str) -> None:
    """Point the stored URLs at this test's server (the fixture's port is not ours to take)."""
    with sqlite3.connect(db) as conn:
        for table, column in (
            ("sources", "url"),
            ("articles", "url"),
            ("versions", "fetched_url"),
            ("fetch_states", "url"),
        ):
            conn.execute(
                f"UPDATE {table} SET {column} = replace({column}, ?, ?)", (WRITTEN_AT, base)
            )


def test_a_schema_0001_database_is_upgraded_with_everything_intact(
    site: SiteServer, labscope: Labscope
) -> None:
    shutil.copy(FIXTURES / "schema-0001.db", labscope.db)
    moved(labscope.db, site.base)
    before = rows(labscope.db)
    assert len(before["articles"]) == 6 and len(before["versions"]) == 7

    open_database(f"sqlite:///{labscope.db}").close()  # runs every migration since 0001
    assert rows(labscope.db) == before
    with sqlite3.connect(labscope.db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    # Its HTML was packed with zlib, before the archive moved to zstd: it still reads back.
    for sha, size, data in (row[1:] for row in before["html_blobs"]):
        html = unpack(data)
        assert (hashlib.sha256(html).hexdigest(), len(html)) == (sha, size)

    # The upgraded archive answers every question a new one does.
    labscope.write_config(
        source("demo-feed", "feed", site.url("/feed.xml"))
        + source(
            "demo-listing",
            "listing",
            site.url("/news/index.html"),
            r"/news/20\d\d/[\w-]+(\.gbk)?\.html",
        )
    )
    found = labscope("search", "Janus", "--all-versions", "--json")
    assert found.code == 0, found.stderr
    assert [hit["url"] for hit in found.json()] == [site.url(DEEPSEEK)]
    diff = labscope("diff", site.url(DEEPSEEK), "--format", "json")
    assert diff.code == 0, diff.stderr
    assert "StepFun" in diff.stdout
    # Its edit was stored before verdicts were recorded: judged when read, and said so.
    assert (diff.json()["kind"], diff.json()["judged"]) == ("correction", "read_time")
    assert len(labscope("articles", "--since", "2025-01-01", "--json").json()) == 6

    # Recrawling the same pages with today's labscope makes no false edit.
    site.set_page(DEEPSEEK, (FIXTURES / "edited" / "deepseek-emerges-v2.html").read_bytes())
    crawl = labscope("crawl", "--json")
    assert crawl.code == 0, crawl.stderr
    summary = crawl.json()
    assert (summary["new_articles"], summary["new_versions"], summary["failed"]) == (0, 0, 0)
    assert rows(labscope.db)["versions"] == before["versions"]

    # rejudge records a verdict for the old edit, from both versions' stored HTML.
    rejudged = labscope("rejudge", "--apply", "--json")
    assert rejudged.code == 0, rejudged.stderr
    assert [(c["version"], c["before"], c["after"]) for c in rejudged.json()["changes"]] == [
        (2, "not recorded", "correction")
    ]
    recorded = labscope("diff", site.url(DEEPSEEK), "--format", "json").json()
    assert (recorded["kind"], recorded["judged"]) == ("correction", "reextracted")
    assert [e["new"] for e in recorded["edited"]] == [e["new"] for e in diff.json()["edited"]]
    assert rows(labscope.db)["versions"] == before["versions"]  # verdicts only, no text touched
