"""search: the latest version of each article, and the full-text index (SQLite)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every CJK character is its own token (see storage/search_query.py): Chinese words are then
# found inside unspaced text. Contentless: the text itself stays in `versions` only.
FTS_TABLE = (
    "CREATE VIRTUAL TABLE search_index USING fts5("
    "title, text, content='', tokenize='unicode61 remove_diacritics 2')"
)


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latest_version_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_articles_latest_version_id"), ["latest_version_id"], unique=False
        )
    op.execute(
        "UPDATE articles SET latest_version_id = (SELECT v.id FROM versions v "
        "WHERE v.article_id = articles.id ORDER BY v.number DESC LIMIT 1)"
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(FTS_TABLE)  # filled by 0005, with the index of the latest versions


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE search_index")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_latest_version_id"))
        batch_op.drop_column("latest_version_id")
