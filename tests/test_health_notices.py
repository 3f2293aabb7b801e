"""A source turning failing, or recovering, is announced once through the digest's channels,
by the real scheduler (`labscope schedule` in a child process), and leads the next digest."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Labscope, source
from test_dead_sites import unused_port
from test_scheduler import NO_RECHECK, query, runs_of, scheduler, wait_for, webhook_receiver

DEEPSEEK = "/news/2025/deepseek-emerges.html"


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
