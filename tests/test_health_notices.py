"""A source turning failing, or recovering, is announced once through the digest's channels,
by the real scheduler (`labscope schedule` in a child process), and leads the next digest."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Labscope, source
from test_dead_sites import unused_port
from test_scheduler import NO_RECHECK, query, runs_of, scheduler, wait_for, webhook_receiver
from test_web import Served, serving

from crawler.site_server import SiteServer

DEEPSEEK = "/news/2025/deepseek-emerges.html"
# A recorded change of health to a state (format it with the state).
CHANGED = "select 1 from health_changes where source = 'flaky' and state = '{}'"


def notices(posted: list[dict[str, object]]) -> list[tuple[object, object]]:
    """The (source, state) of each health notification the webhook received, in order."""
    changes = [body["health_change"] for body in posted if "health_change" in body]
    return [(c["source"], c["state"]) for c in changes]  # type: ignore[index]


def test_a_failing_source_is_announced_once_and_leads_the_next_digest(
    labscope: Labscope, tmp_path: Path
) -> None:
    with webhook_receiver() as (hook, posted):
        labscope.write_config(
            NO_RECHECK
            + '[digest]\nevery = "2s"\nformats = ["text", "json"]\noutput = "digests"\n\n'
            + f'[[digest.webhooks]]\nurl = "{hook}"\n\n'
            + source("gone", "page", f"http://127.0.0.1:{unused_port()}{DEEPSEEK}")
            + 'every = "1s"\n'
        )
        logs: list[str] = []
        with scheduler(labscope, logs):
            wait_for(lambda: len(runs_of(labscope, "gone")) >= 5, timeout=90)
            wait_for(
                lambda: bool(
                    query(
                        labscope,
                        "select 1 from digests where until > (select at from health_changes)",
                    )
                )
            )
    assert notices(posted) == [("gone", "failing")]  # five failed runs, one notification
    assert query(labscope, "select source, previous, state from health_changes") == [
        ("gone", "ok", "failing")
    ]
    (log,) = logs
    assert log.count("WARNING source gone is failing: failed the last 3 runs") == 1, log
    assert "(notified 1 of 1 channels)" in log
    texts = [p.read_text(encoding="utf-8") for p in sorted((tmp_path / "digests").glob("*.txt"))]
    (text,) = [t for t in texts if "Source health" in t]  # in one digest, not repeated
    top = text.splitlines()[:6]
    assert any(line.startswith("Source health") for line in top), top
    assert any("source gone is failing: failed the last 3 runs" in line for line in top), top
    reports = [
        json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "digests").glob("*.json")
    ]
    changes = [c for report in reports for c in report["health_changes"]]
    assert [(c["source"], c["previous"], c["state"]) for c in changes] == [
        ("gone", "ok", "failing")
    ]


def test_a_source_that_goes_down_and_comes_back_is_announced_twice(
    site: SiteServer, labscope: Labscope, tmp_path: Path
) -> None:
    """Down (the server stopped: connection refused) then back (restarted on the same port):
    one notification each way, and the digest's top lines name both changes."""
    with webhook_receiver() as (hook, posted):
        labscope.write_config(
            NO_RECHECK
            + '[digest]\nevery = "2s"\nformats = ["text", "json"]\noutput = "digests"\n\n'
            + f'[[digest.webhooks]]\nurl = "{hook}"\n\n'
            + source("flaky", "feed", site.url("/feed.xml"))
            + 'every = "1s"\n'
        )
        logs: list[str] = []
        with scheduler(labscope, logs):
            wait_for(lambda: len(runs_of(labscope, "flaky")) >= 1, timeout=90)
            site.port = int(site.base.rsplit(":", 1)[1])
            site.stop()
            wait_for(lambda: bool(query(labscope, CHANGED.format("failing"))), timeout=90)
            site.start()
            wait_for(lambda: bool(query(labscope, CHANGED.format("ok"))), timeout=90)
            wait_for(
                lambda: bool(
                    query(
                        labscope,
                        "select 1 from digests where until > (select max(at) from health_changes)",
                    )
                )
            )
    assert notices(posted) == [("flaky", "failing"), ("flaky", "ok")]
    assert query(labscope, "select previous, state from health_changes order by id") == [
        ("ok", "failing"),
        ("failing", "ok"),
    ]
    (log,) = logs
    assert log.count("source flaky recovered (was failing) (notified 1 of 1 channels)") == 1, log
    texts = [p.read_text(encoding="utf-8") for p in sorted((tmp_path / "digests").glob("*.txt"))]
    tops = "\n".join(line for t in texts for line in t.splitlines()[:6])
    assert tops.count("source flaky is failing: failed the last 3 runs") == 1, tops
    assert tops.count("source flaky recovered (was failing)") == 1, tops
    with serving(labscope) as url:  # the web home page leads with them too
        home = Served(url, labscope, site).page("/")
    first = home.xpath("//section")[0]  # before the edits and everything else
    assert first.get("id") == "health"
    listed = [li.text_content() for li in first.xpath(".//li")]
    assert len(listed) == 2, listed
    assert listed[0].startswith("source flaky recovered (was failing)")  # newest first
    assert listed[1].startswith("source flaky is failing: failed the last 3 runs")
