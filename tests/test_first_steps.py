"""First steps through the CLI: --version, init, check, and crawl without a config."""

from __future__ import annotations

import importlib.metadata
from datetime import datetime
from pathlib import Path

import pytest
from conftest import ROOT, Labscope, Result, source
from test_cli import one_line_error

from crawler.config import load_config
from crawler.site_server import SiteServer


def test_version_is_the_installed_distributions(labscope: Labscope) -> None:
    result = labscope("--version")
    assert result.code == 0
    assert result.stdout == f"labscope {importlib.metadata.version('labscope')}\n"


def test_init_writes_the_repositorys_config(labscope: Labscope) -> None:
    result = labscope("init")
    assert result.code == 0, result.stderr
    assert labscope.config.read_bytes() == (ROOT / "config.toml").read_bytes()
    written, shipped = load_config(labscope.config), load_config(ROOT / "config.toml")
    assert written.sources == shipped.sources and written.crawl == shipped.crawl
    assert "# " in labscope.config.read_text(encoding="utf-8")  # the comments came along
    assert f"({len(shipped.sources)} sources," in result.stderr


def test_init_into_a_folder(labscope: Labscope) -> None:
    folder = labscope.config.parent / "watch"
    folder.mkdir()
    result = labscope("init", str(folder))
    assert result.code == 0, result.stderr
    assert (folder / "config.toml").read_bytes() == (ROOT / "config.toml").read_bytes()


def test_init_never_overwrites(labscope: Labscope) -> None:
    labscope.config.write_text("# mine\n", encoding="utf-8")
    result = labscope("init")
    assert result.code == 2
    assert one_line_error(result.stderr) == (
        f"labscope: error: {labscope.config} already exists; "
        "edit it and run `labscope check`, or give init another PATH"
    )
    assert labscope.config.read_text(encoding="utf-8") == "# mine\n"


def test_check_lists_sources_without_fetching(labscope: Labscope, site: SiteServer) -> None:
    labscope.write_config(
        source("demo-feed", "feed", site.url("/feed.xml"))
        + 'schedule = "7 */2 * * *"\n\n'
        + source("demo-page", "page", site.url("/news/2025/deepseek-emerges.html"))
        + 'every = "15m"\nenabled = false\n'
    )
    result = labscope("check")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "valid, 2 sources" in lines[0]
    feed = next(line for line in lines if "demo-feed" in line)
    assert "feed" in feed and "7 */2 * * *" in feed and ":07 UTC" in feed
    page = next(line for line in lines if "demo-page" in line)
    assert "every 15m" in page and "disabled" in page
    assert site.requests == [] and not labscope.db.exists()


def test_check_json(labscope: Labscope, site: SiteServer) -> None:
    labscope.write_config(
        source("demo-feed", "feed", site.url("/feed.xml")) + 'schedule = "7 */2 * * *"\n'
    )
    result = labscope("check", "--json")
    assert result.code == 0, result.stderr
    answer = result.json()
    assert answer["valid"] is True and answer["errors"] == []
    [row] = answer["sources"]
    assert row["name"] == "demo-feed" and row["kind"] == "feed" and row["enabled"] is True
    assert row["schedule"] == "7 */2 * * *"
    assert datetime.fromisoformat(row["next_run"]).minute == 7


def test_check_reports_every_error_one_line_each(labscope: Labscope) -> None:
    labscope.write_config(
        source("qwen-blog", "rss", "https://q.example/")
        + source("kimi", "feed", "ftp://k.example/")
        + source("kimi", "feed", "https://k.example/feed")
        + source("fine", "feed", "https://f.example/feed"),
        crawl="delay = -1",
    )
    result = labscope("check")
    assert result.code == 2
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert all(line.startswith(f"labscope: error: {labscope.config}:") for line in lines)
    assert len(lines) == 3, lines
    assert "[crawl]: delay must be 0 or more seconds" in lines[0]
    assert 'source "qwen-blog": kind must be one of' in lines[1]
    assert 'source "kimi"' in lines[2] and "url" in lines[2]
    answer = labscope("check", "--json")
    assert answer.code == 2 and len(answer.json()["errors"]) == 3


def test_check_duplicate_names(labscope: Labscope) -> None:
    labscope.write_config(source("a", "feed", "https://a.example/") * 2)
    result = labscope("check")
    assert result.code == 2
    assert "name already used at line" in one_line_error(result.stderr)


def test_check_without_a_config_says_init(labscope: Labscope) -> None:
    result = labscope("check")
    assert result.code == 2
    assert "write one with `labscope init`" in one_line_error(result.stderr)


READ_ONLY = [
    ["articles"],
    ["show", "1"],
    ["search", "Kimi"],
    ["stats"],
    ["export"],
    ["digest"],
    ["diff", "1"],
    ["sources"],
    ["runs"],
    ["entities"],
    ["serve", "--port", "0"],
]


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda args: args[0])
def test_a_read_only_command_never_creates_a_database(labscope: Labscope, args: list[str]) -> None:
    labscope.write_config("")
    missing = labscope.config.parent / "typo.db"
    result = labscope("--db", f"sqlite:///{missing}", *args, timeout=60)
    assert result.code == 2
    assert one_line_error(result.stderr) == (
        f"labscope: error: no database at {missing}: nothing is stored there yet; check --db, "
        "or fill it with `labscope crawl` (or `labscope demo`)"
    )
    assert sorted(p.name for p in labscope.config.parent.iterdir()) == ["config.toml"]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo archive (both phases) for the tests that only read it."""
    folder = tmp_path_factory.mktemp("demo")
    result = Labscope(folder / "config.toml", folder / "demo.db")(
        "--db", f"sqlite:///{folder / 'demo.db'}", "demo", "--port", "0"
    )
    assert result.code == 0, result.stderr
    return folder / "demo.db"


def read(demo_db: Path, *args: str) -> Result:
    return Labscope(demo_db.parent / "config.toml", demo_db)("--db", f"sqlite:///{demo_db}", *args)


@pytest.mark.parametrize("command", ["articles", "search"])
def test_an_unknown_source_is_an_error_with_did_you_mean(demo_db: Path, command: str) -> None:
    args = ["search", "Kimi"] if command == "search" else ["articles"]
    result = read(demo_db, *args, "--source", "demo-fed")
    assert result.code == 2
    message = one_line_error(result.stderr)
    assert message.startswith(
        "labscope: error: unknown source 'demo-fed'; did you mean 'demo-feed'? known sources: "
    )
    assert "demo-listing" in message


def test_an_unknown_entity_is_an_error_with_did_you_mean(demo_db: Path) -> None:
    result = read(demo_db, "articles", "--entity", "Kimmi")
    assert result.code == 2
    assert one_line_error(result.stderr) == (
        "labscope: error: unknown entity 'Kimmi'; did you mean 'Kimi'? "
        "list them with: labscope entities"
    )
    known = read(demo_db, "articles", "--entity", "月之暗面", "--json")
    assert known.code == 0 and known.json()  # an alias is not a typo
