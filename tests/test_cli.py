"""The CLI contract: exit status 2 and one line on stderr for everything a user can get wrong."""

from __future__ import annotations

import importlib.metadata
import os
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


def test_runs_and_sources_name_the_worker_that_ran_each_crawl(
    site: SiteServer, labscope: Labscope
) -> None:
    """Crawls from several hosts share a PostgreSQL archive: each run says whose it was."""
    labscope.write_config(source("deepseek", "page", site.url("/news/2025/deepseek-emerges.html")))
    pids = set()
    for _ in range(2):
        assert labscope("crawl").code == 0
        (newest, *_) = labscope("runs", "--json").json()
        host, _, pid = newest["worker"].rpartition(":")
        assert host == socket.gethostname() and pid.isdigit() and int(pid) != os.getpid()
        pids.add(pid)
    assert len(pids) == 2  # one process per crawl, each named
    (health,) = labscope("sources", "--json").json()
    assert health["last_worker"] == newest["worker"]
    assert "Worker" in labscope("runs", columns=200).stdout
    assert newest["worker"] in labscope("sources", columns=200).stdout


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


@pytest.mark.parametrize("command", ["runs", "check"])
@pytest.mark.parametrize("kind", ["zero", "urandom", "fifo", "directory", "huge", "nested"])
def test_a_config_that_is_not_a_small_regular_file_is_refused(
    tmp_path: Path, kind: str, command: str
) -> None:
    """/dev/zero ended in MemoryError and a FIFO nobody writes to hung forever; `check`, which
    reads the file again for every error, must read it the same safe way."""
    path = {"zero": Path("/dev/zero"), "urandom": Path("/dev/urandom")}.get(kind, tmp_path / "c")
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "huge":
        path.write_text("#" * 2_000_000)
    elif kind == "nested":
        path.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    result = Labscope(path, tmp_path / "x.db")(command, timeout=60)
    assert result.code == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert {
        "zero": "is not a regular file",
        "urandom": "is not a regular file",
        "fifo": "is not a regular file",
        "directory": "is a directory",
        "huge": "larger than 1048576 bytes",
        "nested": "arrays or tables nested too deeply",
    }[kind] in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["show", os.fsdecode(b"\xff\xfe")],
        ["diff", os.fsdecode(b"1\xff")],
        ["articles", "--entity", os.fsdecode(b"\xff")],
        ["articles", "--source", os.fsdecode(b"\xc3")],
        ["articles", "--language", os.fsdecode(b"\xff")],
    ],
    ids=["show", "diff", "entity", "source", "language"],
)
def test_arguments_that_are_not_utf8_are_one_line(labscope: Labscope, args: list[str]) -> None:
    """They reached the database as lone surrogates: an internal UnicodeEncodeError, exit 1."""
    labscope.write_config("")
    result = labscope(*args)
    assert result.code == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"labscope: error: argument {os.fsencode(args[-1]).decode('utf-8', 'backslashreplace')} "
        "is not valid UTF-8; type it again in a UTF-8 terminal (or set LANG=C.UTF-8)"
    ]


def test_digest_hours_beyond_the_calendar_is_a_usage_error(labscope: Labscope) -> None:
    """`--hours 1000000000` overflowed the date arithmetic (internal error, exit 1)."""
    labscope.write_config("")
    result = labscope("digest", "--hours", "1000000000")
    assert result.code == 2 and "1<=x<=1000000" in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("url", "package"),
    [("mysql://u@127.0.0.1/x", "mysqlclient"), ("postgresql+pg8000://u@127.0.0.1/x", "pg8000")],
)
def test_a_missing_storage_driver_names_the_package(
    labscope: Labscope, url: str, package: str
) -> None:
    result = labscope("--db", url, "articles")
    assert result.code == 2
    assert f"pip install {package}" in one_line_error(result.stderr)
