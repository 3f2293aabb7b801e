"""The CLI contract: exit status 2 and one line on stderr for everything a user can get wrong."""

from __future__ import annotations

import importlib.metadata
import socket
from pathlib import Path

import pytest
from conftest import Labscope, source

from crawler.site_server import SiteServer
from storage.db import open_database


def one_line_error(result_stderr: str) -> str:
    lines = result_stderr.strip().splitlines()
    assert len(lines) == 1, result_stderr
    assert "Traceback" not in result_stderr
    return lines[0]


def test_missing_config_file(labscope: Labscope) -> None:
    result = labscope("crawl")
    assert result.code == 2
    assert one_line_error(result.stderr) == (
        f"labscope: error: {labscope.config}: no such file; write one with `labscope init`, "
        "try `labscope demo`, or pass --config PATH"
    )


def test_invalid_config_names_line_and_fix(labscope: Labscope) -> None:
    labscope.config.write_text(
        '[crawl]\ndelay = 0\n\n[[sources]]\nname = "qwen-blog"\nkind = "rss"\nurl = "https://q.example/"\n'
    )
    result = labscope("crawl")
    assert result.code == 2
    assert one_line_error(result.stderr) == (
        f'labscope: error: {labscope.config}:6: source "qwen-blog": kind must be one of '
        'feed, sitemap, listing, page, json (got "rss")'
    )


def test_no_sources_to_crawl(labscope: Labscope) -> None:
    labscope.config.write_text("[crawl]\ndelay = 0\n")
    result = labscope("crawl")
    assert result.code == 2
    assert "no enabled [[sources]] to crawl" in one_line_error(result.stderr)


def test_unknown_source_name(labscope: Labscope, site: SiteServer) -> None:
    labscope.write_config(source("deepseek", "page", site.url("/news/2025/deepseek-emerges.html")))
    result = labscope("crawl", "--source", "deepseak")
    assert result.code == 2
    message = one_line_error(result.stderr)
    assert "deepseak" in message and "deepseek" in message


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["show", "42"], "no article '42' is stored; list them with: labscope articles"),
        (["show", "https://nowhere.example/x"], "no article 'https://nowhere.example/x' is stored"),
        (["articles", "--since", "last tuesday"], "'last tuesday' is not a date"),
        (["articles", "--limit", "0"], "--limit"),
        (["show", "1", "--version", "x"], "--version"),
        (["crawl", "--bogus"], "No such option '--bogus'"),
        (["frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_user_errors_exit_2_with_one_line(labscope: Labscope, args: list[str], needle: str) -> None:
    labscope.write_config("")
    open_database(f"sqlite:///{labscope.db}").close()
    result = labscope(*args)
    assert result.code == 2, result
    assert needle in one_line_error(result.stderr)


def test_database_in_missing_folder(labscope: Labscope, tmp_path: Path) -> None:
    result = labscope("--db", f"sqlite:///{tmp_path}/no/such/dir/x.db", "articles")
    assert result.code == 2
    assert "folder" in one_line_error(result.stderr) and "does not exist" in result.stderr


def test_file_that_is_not_a_database(labscope: Labscope, tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_bytes(b"these are my notes, not a database\n" * 100)
    result = labscope("--db", f"sqlite:///{bogus}", "articles")
    assert result.code == 2
    assert "file is not a database" in one_line_error(result.stderr)
    assert bogus.read_bytes().startswith(b"these are my notes")  # never overwritten


def test_bad_database_url(labscope: Labscope) -> None:
    result = labscope("--db", "not a url", "articles")
    assert result.code == 2
    assert "invalid database URL" in one_line_error(result.stderr)


def test_empty_archive_lists_nothing(labscope: Labscope) -> None:
    labscope.write_config("")
    open_database(f"sqlite:///{labscope.db}").close()  # an archive with nothing stored yet
    result = labscope("articles", "--json")
    assert result.code == 0 and result.json() == []


def test_help_lists_the_commands(labscope: Labscope) -> None:
    result = labscope("--help")
    assert result.code == 0
    for command in ("crawl", "articles", "show", "demo", "runs"):
        assert command in result.stdout


def test_demo_crawls_the_bundled_site(labscope: Labscope, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/demo.db"
    first = labscope("--db", db, "demo", "--port", "0")
    assert first.code == 0, first.stderr
    assert "How China’s DeepSeek Emerged" in first.stdout
    assert "6 articles" in first.stdout
    listed = labscope("--db", db, "articles", "--json").json()
    assert len(listed) == 6
    runs = labscope("--db", db, "runs", "--json").json()
    assert runs[0]["trigger"] == "demo" and runs[0]["status"] == "finished"


def test_demo_on_a_busy_port(labscope: Labscope, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = labscope("--db", f"sqlite:///{tmp_path}/d.db", "demo", "--port", str(port))
    assert result.code == 2
    assert f"cannot serve the demo site on 127.0.0.1:{port}" in one_line_error(result.stderr)


def test_a_dependency_that_does_not_import_is_named_with_the_fix(labscope: Labscope) -> None:
    # A broken install as lxml >= 5.2 without lxml_html_clean gives it: lxml.html.clean, which
    # jusText imports under trafilatura, cannot import its half that moved out. A broken copy
    # of that half first on the path (the CLI's working directory) reproduces it.
    (labscope.config.parent / "lxml_html_clean.py").write_text("import labscope_lost_module\n")
    result = labscope("demo", "--port", "0")
    assert result.code == 1
    assert one_line_error(result.stderr) == (
        f"labscope: broken install: lxml {importlib.metadata.version('lxml')} cannot import "
        "labscope_lost_module (lxml.html.clean module is now a separate project "
        "lxml_html_clean.); mend it in labscope's checkout with: "
        "pip install -r requirements.lock && "
        "pip install --no-deps --no-build-isolation -e ."
    )
