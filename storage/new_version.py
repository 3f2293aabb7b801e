"""A version just written: what indexing it and linking its entities read, without an ORM object.

record_page writes a version's row with Core (the ORM's unit of work cost several times the
insert), so the steps after it get this record of the row instead of a Version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class NewVersion:
    id: int
    article_id: int
    number: int
    fetched_at: datetime
    title: str
    text: str
