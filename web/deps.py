"""The FastAPI dependencies every route shares: the archive the app serves and a read-only
session per request. Apart from web/app.py, so the routers and the app import them, not each other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.entities.kb import KnowledgeBase
from storage.changes import ChangeRules
from storage.db import Database
from storage.models import Source


@dataclass(frozen=True)
class Archive:
    """What every route reads: the database, and what the config says about reading it."""

    db: Database
    knowledge: KnowledgeBase
    rules: Mapping[str, ChangeRules]  # each source's noise rules, so diffs match the summaries
    recheck_steps: Sequence[tuple[timedelta, timedelta]]
    source_names: Sequence[str] | None = None  # configured sources; None: every stored one

    def entity_name(self, name: str) -> str:
        """The canonical name for any alias ("月之暗面" -> "Moonshot AI")."""
        entity = self.knowledge.lookup(name)
        return entity.name if entity else name

    def aliases(self, name: str) -> list[str]:
        entity = self.knowledge.lookup(name)
        return list(entity.aliases) if entity else []

    def sources(self, session: Session) -> list[str]:
        if self.source_names is not None:
            return list(self.source_names)
        return list(session.scalars(select(Source.name).order_by(Source.name)))


def archive(request: Request) -> Archive:
    found: Archive = request.app.state.archive
    return found


def reading(request: Request) -> Iterator[Session]:
    """A read-only session per request, closed when the response is sent."""
    with archive(request).db.reading() as session:
        yield session


ArchiveDep = Annotated[Archive, Depends(archive)]
SessionDep = Annotated[Session, Depends(reading)]
