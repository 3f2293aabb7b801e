"""Telling people when a source's health changes: it turned failing or empty, or recovered.

A change is judged after each crawl from the run history (storage.health) against the last
recorded change, recorded in `health_changes` and only then sent through the digest's channels,
so it is announced once however often the scheduler runs, and the next digest lists it first.
A source that was never announced is taken to have been "ok".
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.digest.notify import Delivery, EmailTarget, WebhookTarget, deliver
from storage.health import source_health
from storage.models import HealthChange


@dataclass(frozen=True)
class HealthNotice:
    source: str
    state: str  # ok | failing | empty
    previous: str
    note: str
    at: datetime

    def line(self) -> str:
        """One line for a log, a digest and an e-mail's subject."""
        if self.state == "ok":
            return f"source {self.source} recovered (was {self.previous})"
        return f"source {self.source} is {self.state}: {self.note}"

    def payload(self) -> dict[str, Any]:
        return {
            "health_change": {
                "source": self.source,
                "state": self.state,
                "previous": self.previous,
                "note": self.note,
                "at": self.at.isoformat(),
            }
        }


def record_changes(
    session: Session, names: Sequence[str], now: datetime, run_id: int | None = None
) -> list[HealthNotice]:
    """Record and return each named source's change of health since the last recorded one."""
    notices = []
    for health in source_health(session, names):
        if health.health == "never crawled":
            continue
        state = health.health if health.health in ("failing", "empty") else "ok"
        last = session.scalar(
            select(HealthChange.state)
            .where(HealthChange.source == health.name)
            .order_by(HealthChange.id.desc())
        )
        previous = last or "ok"
        if state == previous:
            continue
        session.add(
            HealthChange(
                source=health.name,
                state=state,
                previous=previous,
                note=health.note,
                at=now,
                run_id=run_id,
            )
        )
        notices.append(HealthNotice(health.name, state, previous, health.note, now))
    return notices


def changes_between(session: Session, since: datetime, until: datetime) -> list[HealthNotice]:
    """The changes recorded in [since, until), oldest first: what a digest leads with."""
    rows = session.scalars(
        select(HealthChange)
        .where(HealthChange.at >= since, HealthChange.at < until)
        .order_by(HealthChange.id)
    )
    return [HealthNotice(r.source, r.state, r.previous, r.note, r.at) for r in rows]


def send_notice(
    notice: HealthNotice, webhooks: Sequence[WebhookTarget], emails: Sequence[EmailTarget]
) -> list[Delivery]:
    """Send one change through every channel (a failure is logged by storage.digest.notify)."""
    line = notice.line()
    return deliver(
        notice.payload(),
        f"labscope: {line}",
        line + "\n",
        f"<p>{html.escape(line)}</p>",
        webhooks,
        emails,
    )
