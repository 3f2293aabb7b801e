"""First steps through the CLI: --version, init, check, and crawl without a config."""

from __future__ import annotations

import importlib.metadata
import re
import socket
from datetime import datetime
from pathlib import Path

import pytest
from conftest import ROOT, Labscope, Result, source
from rich.cells import cell_len
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


def read(demo_db: Path, *args: str, columns: int | None = None) -> Result:
    labscope = Labscope(demo_db.parent / "config.toml", demo_db)
    return labscope("--db", f"sqlite:///{demo_db}", *args, columns=columns)


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


def test_the_demo_archive_holds_an_edit_a_correction_and_a_new_entity(demo_db: Path) -> None:
    runs = read(demo_db, "runs", "--json").json()
    assert [(run["trigger"], run["new_articles"], run["new_versions"]) for run in runs] == [
        ("demo", 0, 2),  # the second phase: the site changed
        ("demo", 6, 6),
    ]
    edited = {row["title"]: row for row in read(demo_db, "articles", "--edited", "--json").json()}
    assert len(edited) == 2
    qwen = next(row for title, row in edited.items() if "Qwen2.5-Max" in title)
    kimi = next(row for title, row in edited.items() if "Kimi k1.5" in title)
    edit = read(demo_db, "diff", str(qwen["id"]), "--format", "json").json()
    assert edit["kind"] == "substantive"
    assert "Qwen3-Coder" in edit["entities_added"]
    correction = read(demo_db, "diff", str(kimi["id"]), "--format", "json").json()
    assert correction["kind"] == "correction"
    assert any(s.startswith("Correction: An earlier version") for s in correction["added"])
    new = read(demo_db, "entities", "--unrecognised", "--json").json()
    assert "Qwen3-Coder" in [entity["name"] for entity in new]
    digest = read(demo_db, "digest", "--json").json()
    assert {a["kind"] for a in digest["edited_articles"]} == {"substantive", "correction"}


def test_the_demo_ends_with_the_commands_that_show_its_changes(
    labscope: Labscope, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path}/demo.db"
    with socket.socket() as probe:  # a free port, kept for both runs: URLs stay the same
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    first = labscope("--db", db, "demo", "--port", port)
    assert first.code == 0, first.stderr
    edited = labscope("--db", db, "articles", "--edited", "--json").json()
    ids = {row["title"]: row["id"] for row in edited}
    qwen = next(i for title, i in ids.items() if "Qwen2.5-Max" in title)
    kimi = next(i for title, i in ids.items() if "Kimi k1.5" in title)
    closing = first.stdout[first.stdout.index(f"Stored in {db}.") :].splitlines()
    assert closing == [
        f"Stored in {db}. Review what changed between the two crawls:",
        f"  labscope --db {db} digest",
        *(
            f"  labscope --db {db} diff {i}   # {'the edit' if i == qwen else 'the correction'}"
            for i in sorted((qwen, kimi))
        ),
        f"  labscope --db {db} entities --unrecognised   # new names",
        f"  labscope --db {db} serve   # in the browser",
    ]
    again = labscope("--db", db, "demo", "--port", port, "--json")
    assert again.code == 0, again.stderr
    summary = again.json()
    assert summary["first_run"] is None  # the first phase is in the archive already
    assert (summary["new_articles"], summary["new_versions"]) == (0, 0)
    assert summary["not_modified"] == summary["unchanged"] == 6
    assert len(labscope("--db", db, "runs", "--json").json()) == 3


def test_digest_and_diff_take_json_like_format_json(demo_db: Path) -> None:
    flag = read(demo_db, "digest", "--since", "2020-01-01", "--json").json()
    option = read(demo_db, "digest", "--since", "2020-01-01", "--format", "json").json()
    assert flag.pop("until") and option.pop("until")  # now, when each ran
    assert flag == option and flag["edited_articles"]
    edited = read(demo_db, "articles", "--edited", "--json").json()[0]["id"]
    assert (
        read(demo_db, "diff", str(edited), "--json").stdout
        == read(demo_db, "diff", str(edited), "--format", "json").stdout
    )
    both = read(demo_db, "digest", "--json", "--format", "html")
    assert both.code == 2
    assert "give --json or --format html, not both" in one_line_error(both.stderr)


def test_recheck_json_with_nothing_due_is_an_object(labscope: Labscope, site: SiteServer) -> None:
    labscope.write_config(source("deepseek", "page", site.url("/news/2025/deepseek-emerges.html")))
    assert labscope("crawl").code == 0
    result = labscope("recheck", "--json")  # just crawled: nothing is due
    assert result.code == 0, result.stderr
    summary = result.json()
    assert (summary["run_id"], summary["status"], summary["fetched"]) == (None, "nothing due", 0)
    assert summary["errors"] == []


def test_the_same_things_have_the_same_keys_across_commands(demo_db: Path) -> None:
    common = {"id", "url", "title", "source", "published", "language"}
    listed = read(demo_db, "articles", "--json").json()
    first = next(row for row in listed if row["versions"] == 2)
    shown = read(demo_db, "show", str(first["id"]), "--json").json()
    hit = read(demo_db, "search", "Kimi", "--json").json()[0]
    assert common <= set(first) and common <= set(shown) and common <= set(hit)
    assert {k: first[k] for k in common} == {k: shown[k] for k in common}
    change = read(demo_db, "diff", str(first["id"]), "--json").json()
    digest = read(demo_db, "digest", "--json").json()
    edited = next(e for e in digest["edited_articles"] if e["id"] == first["id"])
    new = next(a for a in digest["new_articles"] if a["id"] == first["id"])
    for data in (change, edited, new):
        assert (data["id"], data["url"], data["source"]) == (
            first["id"],
            first["url"],
            first["source"],
        )
    assert change["title_change"] == edited["title_change"]


@pytest.mark.parametrize(
    "args",
    [
        ["articles"],
        ["runs"],
        ["entities"],
        ["stats"],
        ["show", "4"],
        ["search", "Kimi"],
        ["digest"],
        ["diff", "4"],
    ],
    ids=lambda args: args[0],
)
def test_terminal_output_fits_80_columns_without_cutting_names(
    demo_db: Path, args: list[str]
) -> None:
    whole = read(demo_db, "articles", "--json").json()  # the ids and sources to find whole
    edited = read(demo_db, "articles", "--edited", "--json").json()[0]["id"]
    args = [str(edited) if arg == "4" else arg for arg in args]  # ids follow the crawl's order
    result = read(demo_db, *args, columns=80)
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    too_wide = [line for line in lines if cell_len(line) > 80 and "http" not in line]
    assert too_wide == []
    if args[0] in ("articles", "runs", "entities", "stats"):  # tables: nothing cut to "…"
        assert "…" not in result.stdout
    if args == ["articles"]:
        for row in whole:
            assert any(f"│ {row['id']} " in line and row["source"] in line for line in lines)


def test_cli_times_say_utc(demo_db: Path) -> None:
    for args in (["articles"], ["runs"], ["show", "1"], ["entities"]):
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", read(demo_db, *args).stdout), args


def test_show_separates_paragraphs_with_a_blank_line(demo_db: Path) -> None:
    stored = read(demo_db, "show", "1", "--json").json()["text"].splitlines()
    shown = read(demo_db, "show", "1").stdout
    assert len(stored) > 3
    assert "\n\n".join(stored) in shown


def test_schedule_list_json(labscope: Labscope, site: SiteServer) -> None:
    labscope.write_config(
        source("demo-feed", "feed", site.url("/feed.xml")) + 'schedule = "7 */2 * * *"\n'
    )
    jobs = {job["id"]: job for job in labscope("schedule", "--json").json()}
    assert jobs["crawl:demo-feed"]["trigger"].startswith("cron[")
    assert datetime.fromisoformat(jobs["crawl:demo-feed"]["next_run"])
    assert "recheck" in jobs
