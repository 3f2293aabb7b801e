"""Checking the source and entity names a user filters by, so a typo is an error with a
suggestion instead of an empty list that looks like "nothing happened"."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import NotFoundError
from storage.models import Entity, Source


def check_sources(session: Session, names: Iterable[str], configured: Iterable[str]) -> None:
    """Raise NotFoundError for a name neither stored nor configured, with the closest ones."""
    known = sorted(set(session.scalars(select(Source.name))) | set(configured))
    for name in names:
        if name not in known:
            listed = f"known sources: {', '.join(known)}" if known else "no source is stored yet"
            raise NotFoundError(f"unknown source {name!r}; {_suggest(name, known)}{listed}")


def check_entity(session: Session, name: str, aliases: Iterable[str]) -> None:
    """Raise NotFoundError unless `name` is stored as an entity; suggest the closest of the
    stored names and the knowledge base's `aliases` (canonical names included)."""
    stored = session.scalar(select(Entity.id).where(Entity.name == name))
    if stored is not None:
        return
    candidates = {*session.scalars(select(Entity.name)), *aliases}
    hint = _suggest(name, candidates)
    raise NotFoundError(f"unknown entity {name!r}; {hint}list them with: labscope entities")


def _suggest(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    if not close:
        close = [c for c in sorted(candidates) if c.casefold() == name.casefold()][:1]
    return f"did you mean {close[0]!r}? " if close else ""
