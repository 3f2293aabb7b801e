"""A month of daily crawls and rechecks against a site that changes, on a fast-forwarded clock.

Each run is a real `labscope crawl` or `labscope recheck` whose clock starts at that day's time
(tests/clock/sitecustomize.py); the scheduler's jobs call the same library functions. Every
change made to the site must come out as exactly one event, and nothing else may.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from conftest import ROOT, Labscope, add_story, edit, list_stories, source

from crawler.site_server import SiteServer

DAYS = 30
EVERY = 3  # days between the crawls (and rechecks) of the simulated month
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
CLOCK = ROOT / "tests" / "clock"


def run_at(labscope: Labscope, when: datetime, *args: str) -> tuple[Any, int]:
    """`labscope ARGS --json` with its clock at `when`; returns its summary and peak RSS (kB)."""
    env = {
        **os.environ,
        "PYTHONWARNINGS": "ignore",
        "LABSCOPE_TEST_NOW": when.isoformat(),
        "PYTHONPATH": os.pathsep.join([str(CLOCK), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "cli", "--config", str(labscope.config), *args, "--json"]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            command, cwd=labscope.config.parent, env=env, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    return json.loads(stdout), usage.ru_maxrss


def cosmetic(site: SiteServer, story: int) -> None:
    """Re-wrap the first paragraph: new bytes, same text, so no new version."""
    path = f"/many/story-{story}.html"
    site.set_page(path, site.overrides[path].body.replace(b"</p>", b" \n   </p>", 1))


def test_a_month_of_crawls_gives_one_event_per_change_and_stays_bounded(
    site: SiteServer, labscope: Labscope
) -> None:
    chance = random.Random(2026)
    stories = list(range(6))
    for i in stories:
        add_story(site, i)
    # The listing shows the newest 6 stories: older ones change only where rechecks look.
    labscope.write_config(
        '[recheck]\nsteps = ["12h until 30d"]\n\n'
        + source("many", "listing", list_stories(site, stories[-6:]), r"/many/story-\d+\.html"),
        crawl="delay = 0\ntimeout = 5\nworkers = 0",
    )
    expected: Counter[tuple[int, str, str]] = Counter()
    for i in stories:
        expected[(0, "new_article", f"/many/story-{i}.html")] += 1
    sizes, peaks = [], []
    for day in range(0, DAYS, EVERY):
        if day:
            # At most one change to a story between two looks at it: one event each.
            changed = chance.sample(stories, 4)
            for story in changed[:3]:
                edit(site, story, day)
                expected[(day, "edited", f"/many/story-{story}.html")] += 1
            cosmetic(site, changed[3])
            if chance.random() < 0.5:
                stories.append(len(stories))
                add_story(site, stories[-1])
                list_stories(site, stories[-6:])
                expected[(day, "new_article", f"/many/story-{stories[-1]}.html")] += 1
        morning = START + timedelta(days=day)
        crawled, peak = run_at(labscope, morning, "crawl")
        assert crawled["failed"] == 0
        # The recheck job 12 hours later: the stories off the listing are due, the rest are not.
        rechecked, recheck_peak = run_at(labscope, morning + timedelta(hours=12), "recheck")
        off_listing = len(stories) - 6
        if off_listing:
            assert (rechecked["fetched"], rechecked["failed"]) == (off_listing, 0)
        else:
            # nothing due: `recheck --json` prints a run summary without a run
            assert (rechecked["run_id"], rechecked["status"]) == (None, "nothing due")
        peaks += [peak, recheck_peak]
        sizes.append(labscope.db.stat().st_size + _wal(labscope.db))

    with sqlite3.connect(labscope.db) as conn:
        rows = conn.execute(
            "SELECT e.at, e.kind, a.url FROM events e JOIN articles a ON a.id = e.article_id "
            "WHERE e.kind IN ('new_article', 'edited')"
        ).fetchall()
        versions = conn.execute("SELECT count(*) FROM versions").fetchone()[0]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    seen = Counter(
        (
            (datetime.fromisoformat(at).replace(tzinfo=UTC) - START).days,
            kind,
            "/" + url.split("/", 3)[3],
        )
        for at, kind, url in rows
    )
    assert seen == expected
    assert versions == sum(expected.values())

    # Bounded: the archive grows by what changed, a run's memory does not grow with the archive.
    first_week = sizes[2] / sum(n for (d, _, _), n in expected.items() if d <= 2 * EVERY)
    assert sizes[-1] / versions < 1.5 * first_week, sizes
    assert max(peaks[-6:]) < 1.2 * max(peaks[:6]), peaks


def _wal(db: Path) -> int:
    wal = db.with_name(db.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0
