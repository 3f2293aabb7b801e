"""Scheduled digests: each covers exactly the events since the previous one, is written to files
named by its period, is recorded, and only then is sent, so a failed notification never loses it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.changes import ChangeRules
from storage.db import Database
from storage.digest.build import Digest, build_digest
from storage.digest.formats import Format, digest_json, render_digest
from storage.digest.notify import Delivery, EmailTarget, WebhookTarget, deliver
from storage.models import DigestRecord, Event

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
    deliveries: list[Delivery]


def write_next_digest(
    db: Database,
    now: datetime,
    formats: Sequence[Format],
    folder: Path,
    rules: Mapping[str, ChangeRules] | None = None,
    webhooks: Sequence[WebhookTarget] = (),
    emails: Sequence[EmailTarget] = (),
) -> WrittenDigest:
    """Write, record and send the digest of every event since the last digest."""
    with db.reading() as session:
        previous = session.scalar(select(DigestRecord).order_by(DigestRecord.id.desc()))
        since = previous.until if previous else now - FIRST_PERIOD
        after = previous.last_event_id if previous else _last_event_before(session, since)
        upto = session.scalar(select(func.max(Event.id))) or after
        digest = build_digest(session, since, now, rules, event_ids=(after, upto))
    folder.mkdir(parents=True, exist_ok=True)
    files = [_write(folder, digest, fmt) for fmt in formats]
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
        record_id = record.id
    deliveries: list[Delivery] = []
    if not digest.is_empty and (webhooks or emails):
        deliveries = deliver(
            digest_json(digest),
            _subject(digest),
            render_digest(digest, "text"),
            render_digest(digest, "html"),
            webhooks,
            emails,
        )
        with db.transaction() as session:
            session.get_one(DigestRecord, record_id).deliveries = [asdict(d) for d in deliveries]
    return WrittenDigest(digest, files, deliveries)


def _last_event_before(session: Session, since: datetime) -> int:
    return session.scalar(select(func.max(Event.id)).where(Event.at < since)) or 0


def _write(folder: Path, digest: Digest, fmt: Format) -> Path:
    """One file per format, named by the period, written whole or not at all."""
    stamp = f"{digest.since:%Y%m%dT%H%M%SZ}-{digest.until:%Y%m%dT%H%M%SZ}"
    path = folder / f"labscope-digest-{stamp}.{EXTENSIONS[fmt]}"
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(render_digest(digest, fmt), encoding="utf-8")
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
