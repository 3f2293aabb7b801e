"""Several `labscope schedule` on one archive: exactly one runs the jobs, another takes over.

Real schedulers in child processes, on a SQLite file and on the session's PostgreSQL server;
the one running the jobs is SIGKILLed, so nothing of its own releases the lock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from conftest import Labscope, archive_url
from test_scheduler import NO_RECHECK, wait_for

STARTED = "scheduler started with"
WAITING = "another scheduler runs the jobs"


class Scheduler:
    """`labscope schedule` whose log (stderr) goes to a file the test reads as it grows."""

    def __init__(self, labscope: Labscope, name: str) -> None:
        self.log = labscope.config.parent / f"{name}.log"
        with self.log.open("w") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cli", "--config", str(labscope.config), "schedule"],
                cwd=labscope.config.parent,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )

    def says(self, words: str) -> bool:
        return words in self.log.read_text(encoding="utf-8")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


@pytest.fixture
def schedulers(labscope: Labscope) -> Iterator[list[Scheduler]]:
    """Started schedulers go in the list; all are stopped at the end."""
    started: list[Scheduler] = []
    with ExitStack() as stack:
        stack.callback(lambda: [s.stop() for s in started])
        yield started


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_one_scheduler_runs_the_jobs_and_another_takes_over_when_it_dies(
    labscope: Labscope, schedulers: list[Scheduler], kind: str, request: pytest.FixtureRequest
) -> None:
    labscope.archive = archive_url(request, kind, request.node.name)
    labscope.write_config(NO_RECHECK)
    first = Scheduler(labscope, "first")
    schedulers.append(first)
    wait_for(lambda: first.says(STARTED))
    second, third = Scheduler(labscope, "second"), Scheduler(labscope, "third")
    schedulers += [second, third]
    wait_for(lambda: second.says(WAITING) and third.says(WAITING))
    assert not second.says(STARTED) and not third.says(STARTED)

    first.process.send_signal(signal.SIGKILL)  # no clean-up of its own: the lock must go anyway
    first.process.wait(timeout=20)
    wait_for(lambda: second.says(STARTED) or third.says(STARTED))
    leader, waiting = (second, third) if second.says(STARTED) else (third, second)
    assert leader.says("took over")
    assert not waiting.says(STARTED)

    assert waiting.stop() == 0  # a waiting scheduler stops quietly too
    assert waiting.says("scheduler stopped") and not waiting.says("Traceback")
    assert leader.stop() == 0
    assert not leader.says("Traceback")


def test_the_lock_file_sits_beside_the_sqlite_archive(
    labscope: Labscope, schedulers: list[Scheduler]
) -> None:
    labscope.write_config(NO_RECHECK)
    schedulers.append(Scheduler(labscope, "only"))
    wait_for(lambda: schedulers[0].says(STARTED))
    assert Path(f"{labscope.db}.scheduler-lock").is_file()
