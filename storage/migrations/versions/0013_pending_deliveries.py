"""pending deliveries: a digest not yet sent to a target, kept until it is

The scheduler sends digests beside its jobs, never inside them; a digest still unsent when the
scheduler stops (or is killed) is sent at its next start.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest_id"], ["digests.id"], name=op.f("fk_pending_deliveries_digest_id_digests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_deliveries")),
    )
    with op.batch_alter_table("pending_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_deliveries_digest_id"), ["digest_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pending_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_deliveries_digest_id"))
    op.drop_table("pending_deliveries")
