"""Source health, read from the run history: is a source failing, or suddenly finding nothing?

Those are the usual signs that a site changed its layout or started blocking us; a source that
fails once is not flagged (networks blip), one that fails FAILING_RUNS runs in a row is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.article_sources import article_counts
from storage.models import CrawlRun
from storage.runs import worker_name

FAILING_RUNS = 3
Health = Literal["ok", "failing", "empty", "never crawled"]


@dataclass(frozen=True)
class SourceHealth:
    name: str
    health: Health
    note: str
    articles: int  # articles this source found (first, or after another source did)
    last_run: datetime | None
    last_success: datetime | None
    last_error: str | None
    failed_in_a_row: int
    found_last: int | None  # article URLs its last run found
    last_worker: str | None = None  # "host:pid" of the process that ran its last run


def source_health(session: Session, names: Sequence[str], recent: int = 500) -> list[SourceHealth]:
    """The health of each named source, judged on its last `recent` discovery runs (not its
    rechecks, nor a frontier worker's runs: they fetch what a crawl found, and discover none)."""
    runs = session.scalars(
        select(CrawlRun)
        .where(CrawlRun.trigger.not_in(("recheck", "worker")), CrawlRun.status != "running")
        .order_by(CrawlRun.id.desc())
        .limit(recent)
    ).all()
    counts = article_counts(session)
    return [
        _judge(name, [r for r in runs if name in r.sources], counts.get(name, 0)) for name in names
    ]


def _judge(name: str, runs: list[CrawlRun], articles: int) -> SourceHealth:
    if not runs:
        return SourceHealth(name, "never crawled", "", articles, None, None, None, 0, None)
    outcomes = [_outcome(run, name) for run in runs]  # newest first
    failed_in_a_row = next((i for i, (ok, *_) in enumerate(outcomes) if ok), len(outcomes))
    pairs = zip(runs, outcomes, strict=True)
    last_success = next((run.started for run, (ok, *_) in pairs if ok), None)
    # The newest run's error only: one a later run cleared is history, not a problem.
    last_error = outcomes[0][2]
    found_last = outcomes[0][1]
    health: Health = "ok"
    note = ""
    if failed_in_a_row >= FAILING_RUNS:
        health = "failing"
        note = f"failed the last {failed_in_a_row} runs: {last_error}"
    elif found_last == 0 and outcomes[0][3] and any(found for _, found, *_ in outcomes[1:]):
        # Empty only if the site answered: one that stopped answering is going down (failing
        # after FAILING_RUNS runs), not a layout change, and must not be announced as one.
        health = "empty"
        earlier = next(found for _, found, *_ in outcomes[1:] if found)
        note = (
            f"found no articles in its last run (it found {earlier} before): "
            "the site may have changed its layout or be blocking us"
        )
    return SourceHealth(
        name, health, note, articles, runs[0].started, last_success, last_error,
        failed_in_a_row, found_last, worker_name(runs[0].host, runs[0].pid),
    )  # fmt: skip


def _outcome(run: CrawlRun, name: str) -> tuple[bool, int, str | None, bool]:
    """(succeeded, article URLs found, its last error, the site answered) for one source in
    one run.

    A source fails a run when something failed and it found nothing, or fetched nothing: a
    site that does not answer (robots.txt or the start URL unreachable) is down, not healthy.
    """
    tallies = run.source_counts.get(name, {})
    found = int(tallies.get("found", 0))
    fetched = int(tallies.get("fetched", 0))
    errors = [e.get("reason") for e in run.errors if e.get("source") in (name, "")]
    nothing = found == 0 or fetched == 0
    failed = run.status == "failed" or (nothing and int(tallies.get("failed", 0)) > 0)
    answered = int(tallies.get("unanswered", 0)) == 0
    return (not failed, found, errors[-1] if errors else None, answered)
