"""article dated: each article's date (latest published, else first seen), indexed

Filters by period and the `published` sort then read one indexed column instead of joining
every article's latest version.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILL = (
    "UPDATE articles SET dated = coalesce((SELECT v.published FROM versions v "
    "WHERE v.id = articles.latest_version_id), first_seen)"
)


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dated", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_articles_dated"), ["dated"], unique=False)
    op.execute(FILL)


def downgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_articles_dated"))
        batch_op.drop_column("dated")
