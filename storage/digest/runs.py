"""Scheduled digests: each covers exactly the events since the previous one, is written to files
named by its period, is recorded, and only then is sent, so a failed notification never loses it.

Sending is apart from writing: the digest is recorded with one pending delivery per target, and
`deliver_pending` (the scheduler's delivery thread) sends them, so a slow target never holds the
next digest, and what a stopped scheduler did not send is sent at its next start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.changes import ChangeRules
from storage.db import Database
from storage.digest.build import Digest, build_digest
from storage.digest.formats import Format, digest_json, render_digest
from storage.digest.links import feed_url, with_links
from storage.digest.notify import Delivery, EmailTarget, WebhookTarget, deliver, target_name
from storage.models import DigestRecord, Event, PendingDelivery

logger = logging.getLogger(__name__)

# The first digest of an archive looks back this far; every later one starts where the last ended.
FIRST_PERIOD = timedelta(hours=24)
EXTENSIONS: dict[str, str] = {
    "text": "txt",
    "md": "md",
    "html": "html",
    "json": "json",
    "atom": "xml",
}


@dataclass(frozen=True)
class WrittenDigest:
    digest: Digest
    files: list[Path]
    pending: int  # deliveries recorded for deliver_pending to send


def write_next_digest(
    db: Database,
    now: datetime,
    formats: Sequence[Format],
    folder: Path,
    rules: Mapping[str, ChangeRules] | None = None,
    webhooks: Sequence[WebhookTarget] = (),
    emails: Sequence[EmailTarget] = (),
    base_url: str | None = None,
) -> WrittenDigest:
    """Write and record the digest of every event since the last digest, with a pending
    delivery to each target (none for an empty digest); with `base_url` (the web app's
    address), each edit links to labscope's diff page too."""
    with db.reading() as session:
        previous = session.scalar(select(DigestRecord).order_by(DigestRecord.id.desc()))
        since = previous.until if previous else now - FIRST_PERIOD
        after = previous.last_event_id if previous else _last_event_before(session, since)
        upto = session.scalar(select(func.max(Event.id))) or after
        digest = build_digest(session, since, now, rules, event_ids=(after, upto))
    digest = with_links(digest, base_url)
    folder.mkdir(parents=True, exist_ok=True)
    files = [_write(folder, digest, fmt, feed_url(base_url)) for fmt in formats]
    targets: list[WebhookTarget | EmailTarget] = [] if digest.is_empty else [*webhooks, *emails]
    with db.transaction() as session:
        record = DigestRecord(
            since=since,
            until=now,
            created=now,
            last_event_id=upto,
            files=[str(path) for path in files],
            deliveries=[],
        )
        session.add(record)
        session.flush()
        if targets:
            payload, subject = digest_json(digest), _subject(digest)
            text, html = render_digest(digest, "text"), render_digest(digest, "html")
        for target in targets:
            session.add(
                PendingDelivery(
                    digest_id=record.id,
                    target=target_name(target),
                    payload=payload,
                    subject=subject,
                    text=text,
                    html=html,
                    created=now,
                )
            )
    return WrittenDigest(digest, files, len(targets))


def deliver_pending(
    db: Database,
    webhooks: Sequence[WebhookTarget],
    emails: Sequence[EmailTarget],
    stopping: Callable[[], bool] = lambda: False,
) -> list[Delivery]:
    """Send each pending delivery, oldest first, until none is left or `stopping()`; each one
    sent (or failed for good) is added to its digest's record and no longer pending. One to a
    target no longer configured is dropped, with a warning."""
    targets: list[WebhookTarget | EmailTarget] = [*webhooks, *emails]
    by_name = {target_name(target): target for target in targets}
    sent: list[Delivery] = []
    done: set[int] = set()
    while not stopping():
        with db.reading() as session:
            row = session.scalar(
                select(PendingDelivery)
                .where(PendingDelivery.id.not_in(done))
                .order_by(PendingDelivery.id)
            )
            if row is None:
                return sent
            pending = (row.id, row.digest_id, row.target, row.payload, row.subject, row.text)
            html = row.html
        row_id, digest_id, name, payload, subject, text = pending
        done.add(row_id)
        target = by_name.get(name)
        results: list[Delivery] = []
        if target is None:
            logger.warning("digest %d not delivered to %s: no longer configured", digest_id, name)
        else:
            hooks = [target] if isinstance(target, WebhookTarget) else []
            mails = [target] if isinstance(target, EmailTarget) else []
            results = deliver(payload, subject, text, html, hooks, mails)
        with db.transaction() as session:
            record = session.get_one(DigestRecord, digest_id)
            record.deliveries = [*record.deliveries, *(asdict(d) for d in results)]
            found = session.get(PendingDelivery, row_id)
            if found is not None:
                session.delete(found)
        sent += results
    return sent


def _last_event_before(session: Session, since: datetime) -> int:
    return session.scalar(select(func.max(Event.id)).where(Event.at < since)) or 0


def _write(folder: Path, digest: Digest, fmt: Format, feed: str | None) -> Path:
    """One file per format, named by the period, written whole or not at all."""
    stamp = f"{digest.since:%Y%m%dT%H%M%SZ}-{digest.until:%Y%m%dT%H%M%SZ}"
    path = folder / f"labscope-digest-{stamp}.{EXTENSIONS[fmt]}"
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(render_digest(digest, fmt, feed_url=feed), encoding="utf-8")
    temporary.replace(path)
    return path


def _subject(digest: Digest) -> str:
    minor = sum(1 for e in digest.edited_articles if e.kind == "minor")
    parts = [
        f"{len(digest.new_articles)} new",
        f"{len(digest.edited_articles) - minor} edited",
        f"{len(digest.new_entities)} new entities",
    ]
    period = f"{digest.since:%Y-%m-%d %H:%M} – {digest.until:%Y-%m-%d %H:%M} UTC"
    return f"labscope digest {period}: " + ", ".join(parts)
