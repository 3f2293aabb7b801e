"""Events: the things a user is told about, written in the same transaction as their cause."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import insert
from sqlalchemy.orm import Session

from storage.models import Event, table_of

EventKind = Literal["new_article", "edited", "removed", "restored", "new_entity"]

# Written at once with Core on the session's connection: events are never read back in the
# transaction that adds them, the ORM's unit of work cost several times the insert, and the
# Session's execute twice. Events get their ids in call order; the article, version or entity
# an event names is always stored already.
_ADD = insert(table_of(Event))


def add_event(
    session: Session,
    kind: EventKind,
    at: datetime,
    *,
    article_id: int | None = None,
    version_id: int | None = None,
    entity_id: int | None = None,
    edit_kind: str | None = None,
    run_id: int | None = None,
    notice: str | None = None,
) -> None:
    session.connection().execute(
        _ADD,
        {
            "kind": kind,
            "at": at,
            "article_id": article_id,
            "version_id": version_id,
            "entity_id": entity_id,
            "edit_kind": edit_kind,
            "run_id": run_id,
            "notice": notice,
        },
    )
