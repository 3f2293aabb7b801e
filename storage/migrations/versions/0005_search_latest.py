"""search_latest: a full-text index of each article's newest version only (SQLite)

Searching the latest versions then ranks one row per article instead of every version.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    from sqlalchemy.orm import Session

    from storage.search import rebuild_index

    op.execute(
        "CREATE VIRTUAL TABLE search_latest USING fts5("
        "title, text, content='', tokenize='unicode61 remove_diacritics 2')"
    )
    rebuild_index(Session(bind=op.get_bind()))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_latest")
