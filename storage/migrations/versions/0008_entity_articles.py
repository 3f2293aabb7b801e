"""entity articles: how many articles name each entity, kept as versions are stored

The entity list counted distinct articles over every mention on each view: 4.4 s on an archive
of 100,000 articles and 1.5 million mentions.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILL = (
    "UPDATE entities SET articles = (SELECT count(DISTINCT v.article_id) FROM mentions m "
    "JOIN versions v ON v.id = m.version_id WHERE m.entity_id = entities.id)"
)


def upgrade() -> None:
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("articles", sa.Integer(), server_default="0", nullable=False))
    op.execute(FILL)


def downgrade() -> None:
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.drop_column("articles")
