"""Checking the --source and --entity names of an archive command against what is known."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cli.context import Context
from storage.names import check_entity, check_sources


def check_names(
    obj: Context, session: Session, sources: tuple[str, ...], entity: str | None
) -> None:
    """A --source or --entity that names nothing known is a typo: say so, with the closest
    name, rather than print an empty list. An entity the knowledge base knows is never one,
    stored yet or not."""
    if sources:
        check_sources(session, sources, obj.configured_sources())
    if not entity:
        return
    knowledge = obj.knowledge()
    if knowledge.lookup(entity) is None:
        aliases = [a for e in knowledge.entities for a in (e.name, *e.aliases)]
        check_entity(session, entity, aliases)
