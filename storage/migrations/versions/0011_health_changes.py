"""health changes: a source turning failing or empty, or recovering, recorded once

The scheduler notifies on each change of a source's health; the row is written before the
notification is sent, so a change is announced once, and the next digest lists it at the top.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "health_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("previous", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_runs.id"], name=op.f("fk_health_changes_run_id_crawl_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_changes")),
    )
    with op.batch_alter_table("health_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_health_changes_source"), ["source"], unique=False)
        batch_op.create_index(batch_op.f("ix_health_changes_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("health_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_health_changes_at"))
        batch_op.drop_index(batch_op.f("ix_health_changes_source"))
    op.drop_table("health_changes")
