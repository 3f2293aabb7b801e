"""The real scheduler (`labscope schedule` in a child process) against the fixture site."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from conftest import FIXTURES, Labscope, source

from crawler.schedule import _first_run
from crawler.site_server import SiteServer
from storage.rechecks import next_check

DEEPSEEK = "/news/2025/deepseek-emerges.html"
NO_RECHECK = "[recheck]\nenabled = false\n\n"


@contextmanager
def scheduler(
    labscope: Labscope, logs: list[str] | None = None, *options: str
) -> Iterator[subprocess.Popen[str]]:
    """`labscope schedule [options]` running; stopped with SIGTERM at the end (and must exit
    quietly). Its log (stderr) is appended to `logs` when given."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "--config", str(labscope.config), "schedule", *options],
        cwd=labscope.config.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
        if logs is not None:
            logs.append(stderr)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr, stderr


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, list[dict[str, object]]]]:
    """A webhook endpoint on 127.0.0.1 that keeps every JSON body POSTed to it."""
    received: list[dict[str, object]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def wait_for(condition: Callable[[], bool], timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def query(labscope: Labscope, sql: str) -> list[tuple[object, ...]]:
    if not labscope.db.exists():
        return []
    try:
        with sqlite3.connect(labscope.db, timeout=30) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # the scheduler has not created the tables yet
        return []


def runs_of(labscope: Labscope, name: str, status: str = "finished") -> list[tuple[object, ...]]:
    return query(
        labscope,
        "select id, started, finished, status, errors from crawl_runs "
        f"where sources = '[\"{name}\"]' and status = '{status}' order by id",
    )


def test_two_ticks_an_edit_and_the_digest_that_reports_it(
    site: SiteServer, labscope: Labscope, tmp_path: Path
) -> None:
    with webhook_receiver() as (hook, posted):
        labscope.write_config(
            NO_RECHECK
            + '[digest]\nevery = "2s"\nformats = ["json", "html"]\noutput = "digests"\n'
            + 'base_url = "https://labscope.example.org"\n\n'
            + f'[[digest.webhooks]]\nurl = "{hook}"\n\n'
            + source("deepseek", "page", site.url(DEEPSEEK))
            + 'every = "3s"\n'
        )
        with scheduler(labscope):
            wait_for(lambda: len(runs_of(labscope, "deepseek")) >= 1)
            site.set_page(DEEPSEEK, (FIXTURES / "edited" / "deepseek-emerges-v2.html").read_bytes())
            # The run after the edit, whichever tick it is (on a loaded machine a run may have
            # started before the edit), then a digest that covers it.
            wait_for(lambda: bool(query(labscope, "select 1 from events where kind = 'edited'")))
            wait_for(
                lambda: bool(
                    query(
                        labscope,
                        "select 1 from digests where last_event_id >= (select max(id) from events)",
                    )
                )
            )
    posted_edits = [edit for body in posted for edit in body["edited_articles"]]  # type: ignore[attr-defined]
    assert len(posted_edits) == 1  # the webhook got the edit once, in the JSON digest
    (posted_edit,) = posted_edits  # with labscope's diff page beside the live article
    assert posted_edit["diff_url"] == (
        f"https://labscope.example.org/articles/{posted_edit['id']}?from=1&to=2#changes"
    )
    assert query(labscope, "select trigger from crawl_runs where sources = '[\"deepseek\"]'")[
        0
    ] == ("schedule",)
    assert query(labscope, "select kind, edit_kind from events where kind = 'edited'") == [
        ("edited", "correction")
    ]
    reports = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((tmp_path / "digests").glob("*.json"))
    ]
    edits = [edit for report in reports for edit in report["edited_articles"]]
    assert len(edits) == 1 and edits[0]["kind"] == "correction"  # in one digest, not repeated
    new = [article for report in reports for article in report["new_articles"]]
    assert len(new) == 1
    assert len(list((tmp_path / "digests").glob("*.html"))) == len(reports)


def test_a_slow_source_is_never_crawled_twice_at_once(site: SiteServer, labscope: Labscope) -> None:
    site.set_page("/slow.html", (site.root / DEEPSEEK.lstrip("/")).read_bytes(), delay=3)
    labscope.write_config(
        NO_RECHECK + source("slow", "page", site.url("/slow.html")) + 'every = "1s"\n'
    )
    with scheduler(labscope):
        wait_for(lambda: len(runs_of(labscope, "slow")) >= 2)
    spans = [
        (datetime.fromisoformat(str(started)), datetime.fromisoformat(str(finished)))
        for _, started, finished, _, _ in runs_of(labscope, "slow")
    ]
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end, "a crawl of the source started before the previous one finished"


def test_a_hanging_source_is_stopped_at_its_time_limit_and_the_rest_goes_on(
    site: SiteServer, labscope: Labscope
) -> None:
    site.set_page("/hang.html", b"<html></html>", delay=40)
    labscope.write_config(
        NO_RECHECK
        + source("hang", "page", site.url("/hang.html"))
        + 'every = "1h"\n'
        + source("fine", "page", site.url(DEEPSEEK))
        + 'every = "2s"\n',
        crawl='delay = 0\ntimeout = 60\ntime_limit = "3s"',
    )
    with scheduler(labscope):
        wait_for(lambda: bool(runs_of(labscope, "hang", "failed")))
        failed_at = runs_of(labscope, "hang", "failed")[0][2]
        wait_for(lambda: any(str(r[1]) > str(failed_at) for r in runs_of(labscope, "fine")))
    ((_, _, _, _, errors),) = runs_of(labscope, "hang", "failed")
    assert "stopped at the time limit (3s)" in str(errors)


def test_sigterm_during_a_crawl_leaves_an_intact_database(
    site: SiteServer, labscope: Labscope
) -> None:
    for name in ("a", "b", "c", "d", "e", "f"):
        site.set_page(
            f"/slow/{name}.html", (site.root / DEEPSEEK.lstrip("/")).read_bytes(), delay=1
        )
    links = "".join(f'<a href="/slow/{n}.html">Story {n} headline here</a>' for n in "abcdef")
    site.set_page("/slow/index.html", f"<html><body>{links}</body></html>".encode())
    labscope.write_config(
        NO_RECHECK
        + source("slow", "listing", site.url("/slow/index.html"), r"/slow/\w\.html")
        + 'every = "1h"\n',
        crawl="delay = 0\nconcurrency = 1\ntimeout = 10",
    )
    with scheduler(labscope) as process:
        wait_for(lambda: any(h.path.startswith("/slow/a") for h in site.requests))
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=40)
    assert query(labscope, "pragma integrity_check") == [("ok",)]
    statuses = [row[0] for row in query(labscope, "select status from crawl_runs")]
    assert statuses and "running" not in statuses
    # every stored version is whole: it has its HTML and its event
    assert query(labscope, "select count(*) from versions where html_id is null") == [(0,)]
    after = labscope("crawl", "--json")
    assert after.code == 0 and after.json()["status"] == "finished"
    assert after.json()["failed"] == 0


def test_recheck_sends_a_conditional_request_and_stores_nothing(
    site: SiteServer, labscope: Labscope
) -> None:
    labscope.write_config(
        '[recheck]\nsteps = ["1s until 1d"]\n\n' + source("deepseek", "page", site.url(DEEPSEEK))
    )
    assert labscope("crawl").code == 0
    assert isinstance(labscope("recheck", "--json").json(), dict)  # due yet or not: an object
    time.sleep(1.2)
    before = len(site.requests)
    result = labscope("recheck", "--json")
    assert result.code == 0, result.stderr
    summary = result.json()
    assert (summary["new_versions"], summary["not_modified"], summary["failed"]) == (0, 1, 0)
    hits = [h for h in site.requests[before:] if h.path == DEEPSEEK]
    assert hits and "if-none-match" in hits[0].headers
    shown = labscope("show", site.url(DEEPSEEK), "--json").json()
    assert shown["next_check"] is not None


def test_recheck_schedule_decays_and_an_edit_makes_an_article_young_again() -> None:
    steps = [
        (timedelta(minutes=15), timedelta(hours=3)),
        (timedelta(hours=1), timedelta(days=1)),
        (timedelta(hours=3), timedelta(days=7)),
        (timedelta(days=1), timedelta(days=30)),
    ]
    t0 = datetime(2025, 1, 28, 9, tzinfo=UTC)

    def at(age: timedelta, changed: timedelta = timedelta(0)) -> datetime | None:
        return next_check(t0, t0 + changed, t0 + age, steps)

    assert at(timedelta(minutes=1)) == t0 + timedelta(minutes=16)
    assert at(timedelta(hours=5)) == t0 + timedelta(hours=6)
    assert at(timedelta(days=2)) == t0 + timedelta(days=2, hours=3)
    assert at(timedelta(days=10)) == t0 + timedelta(days=11)
    assert at(timedelta(days=31)) is None  # too old: no more rechecks
    # edited on day 10: young again, checked every 15 minutes
    assert at(timedelta(days=10, minutes=5), changed=timedelta(days=10)) == t0 + timedelta(
        days=10, minutes=20
    )


def test_missed_runs_after_downtime_collapse_into_one_run_now() -> None:
    now = datetime(2025, 1, 28, 12, tzinfo=UTC)
    hourly = CronTrigger.from_crontab("0 * * * *", timezone="UTC")
    assert _first_run(hourly, now - timedelta(hours=5), now) == now  # 5 missed: one run now
    assert _first_run(hourly, now - timedelta(minutes=30), now) == now  # 12:00 was missed
    recent = now.replace(minute=0) + timedelta(minutes=1)
    assert _first_run(hourly, recent, recent + timedelta(minutes=2)) == now + timedelta(hours=1)
    assert _first_run(hourly, now - timedelta(days=3), now) == now  # long down: once, now
    every = IntervalTrigger(minutes=30, timezone="UTC")
    assert _first_run(every, now - timedelta(minutes=45), now) == now
    assert _first_run(hourly, None, now) == now  # never crawled


def test_schedule_list_and_config_errors(site: SiteServer, labscope: Labscope) -> None:
    labscope.write_config(
        '[digest]\nschedule = "0 8 * * *"\n\n'
        + source("a", "page", site.url(DEEPSEEK))
        + 'schedule = "*/30 * * * *"\n'
        + source("b", "page", site.url("/news/2025/qwen-25-max-launch.html"))
        + 'every = "15m"\n'
        + source("c", "page", site.url("/about.html"))
    )
    listed = labscope("schedule", "--list")
    assert listed.code == 0, listed.stderr
    for line in ("crawl:a", "crawl:b", "recheck", "digest", "not scheduled"):
        assert line in listed.stdout
    labscope.config.write_text('[digest]\nschedule = "every day"\n')
    broken = labscope("schedule")
    assert broken.code == 2
    assert len(broken.stderr.strip().splitlines()) == 1
    assert 'schedule "every day" is invalid' in broken.stderr


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_stopping_an_idle_scheduler_is_quiet(labscope: Labscope, signame: str) -> None:
    labscope.write_config(NO_RECHECK)
    with scheduler(labscope) as process:
        time.sleep(2)
        process.send_signal(getattr(signal, signame))
        process.wait(timeout=20)


def test_source_health_flags_failing_and_suddenly_empty_sources(
    site: SiteServer, labscope: Labscope
) -> None:
    links = '<a href="/news/2025/deepseek-emerges.html">How China’s DeepSeek emerged</a>'
    site.set_page("/list.html", f"<html><body>{links}</body></html>".encode())
    labscope.write_config(
        source("broken", "feed", site.url("/no-such-feed.xml"))
        + source("listing", "listing", site.url("/list.html"), r"/news/")
        + source("new", "page", site.url(DEEPSEEK))
        + "enabled = false\n"
    )
    for _ in range(3):
        assert labscope("crawl").code == 0
    site.set_page("/list.html", b"<html><body>We have moved! Nothing here.</body></html>")
    assert labscope("crawl").code == 0
    health = {row["name"]: row for row in labscope("sources", "--json").json()}
    assert health["broken"]["health"] == "failing"
    assert health["broken"]["failed_in_a_row"] == 4
    assert "HTTP 404" in health["broken"]["note"]
    assert health["listing"]["health"] == "empty"
    assert health["listing"]["articles"] == 1
    assert "changed its layout" in health["listing"]["note"]
    assert health["new"]["health"] == "never crawled"
    table = labscope("sources").stdout
    assert "failing" in table and "empty" in table


def test_sighup_reloads_the_config(site: SiteServer, labscope: Labscope) -> None:
    labscope.write_config(NO_RECHECK)
    with scheduler(labscope) as process:
        time.sleep(2)
        labscope.write_config(
            NO_RECHECK + source("late", "page", site.url(DEEPSEEK)) + 'every = "1h"\n'
        )
        process.send_signal(signal.SIGHUP)
        wait_for(lambda: len(runs_of(labscope, "late")) >= 1)
        labscope.config.write_text("[crawl]\ndelay = -1\n")  # a broken edit keeps the old jobs
        process.send_signal(signal.SIGHUP)
        time.sleep(1)
        assert process.poll() is None


def test_the_scheduler_logs_one_line_per_crawl_and_each_failure(
    site: SiteServer, labscope: Labscope
) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    labscope.write_config(
        NO_RECHECK
        + source("deepseek", "page", site.url(DEEPSEEK))
        + 'every = "1h"\n'
        + source("gone", "page", f"http://127.0.0.1:{dead}{DEEPSEEK}")
        + 'every = "1h"\n'
    )
    logs: list[str] = []
    with scheduler(labscope, logs) as process:
        wait_for(lambda: len(runs_of(labscope, "deepseek")) + len(runs_of(labscope, "gone")) >= 2)
        process.send_signal(signal.SIGINT)  # a clean Ctrl-C
        process.wait(timeout=40)
    (log,) = logs
    assert re.search(
        r"INFO schedule run \d+ of deepseek: finished, fetched 1, new 1, edited 0, failed 0, "
        r"[\d.]+ s",
        log,
    ), log
    assert re.search(r"INFO schedule run \d+ of gone: finished, fetched 0, .* failed 1", log), log
    assert re.search(r"WARNING run \d+ failed: http://127.0.0.1:\d+/.*connection refused", log)
    assert " ERROR " not in log, log
    assert "page of" not in log  # a line per page only with -v


def test_schedule_verbose_logs_a_line_per_page_with_its_outcome(
    site: SiteServer, labscope: Labscope
) -> None:
    qwen = "/news/2025/qwen-25-max-launch.html"
    links = "".join(
        f'<a href="{path}">Story {i} headline that is long enough</a>'
        for i, path in enumerate((DEEPSEEK, qwen, "/news/2025/missing.html"))
    )
    site.set_page("/list.html", f"<html><body>{links}</body></html>".encode())
    labscope.write_config(
        NO_RECHECK
        + source("lst", "listing", site.url("/list.html"), r"/news/2025/")
        + 'every = "2s"\n'
    )
    logs: list[str] = []
    with scheduler(labscope, logs, "-v"):
        wait_for(lambda: len(runs_of(labscope, "lst")) >= 1)
        site.set_page(DEEPSEEK, (FIXTURES / "edited" / "deepseek-emerges-v2.html").read_bytes())
        wait_for(lambda: bool(query(labscope, "select 1 from events where kind = 'edited'")))
    (log,) = logs
    page = r"INFO run \d+: page of lst: " + re.escape(site.url(""))
    assert re.search(page + re.escape(DEEPSEEK) + " new\n", log), log
    assert re.search(page + re.escape(qwen) + " new\n", log), log
    assert re.search(page + "/news/2025/missing.html failed\n", log), log
    assert re.search(page + re.escape(DEEPSEEK) + " edited\n", log), log
    assert re.search(page + re.escape(qwen) + " unchanged\n", log), log
