"""recorded verdicts: each edit's changed sentences, title change and entity changes, stored once

The crawl judged an edit with that day's rules and the digest re-diffed the texts with today's,
so the two could disagree. The verdict is now recorded with the version. Versions stored before
this migration are not backfilled here: diffing every stored pair would make opening a large
archive take minutes. Their `judged` stays NULL and they are judged when read, by today's code
(storage.verdicts), until `labscope rejudge --apply` records a verdict for them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("judged", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("judged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("title_before", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("sentences_template", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("entities_added", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("entities_removed", sa.JSON(), nullable=True))
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice", sa.Text(), nullable=True))
    op.create_table(
        "sentence_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
        sa.Column("old_index", sa.Integer(), nullable=True),
        sa.Column("new_index", sa.Integer(), nullable=True),
        sa.Column("template", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name=op.f("fk_sentence_changes_version_id_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sentence_changes")),
    )
    with op.batch_alter_table("sentence_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sentence_changes_version_id"), ["version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sentence_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sentence_changes_version_id"))
    op.drop_table("sentence_changes")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("notice")
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_column("entities_removed")
        batch_op.drop_column("entities_added")
        batch_op.drop_column("sentences_template")
        batch_op.drop_column("title_before")
        batch_op.drop_column("judged_at")
        batch_op.drop_column("judged")
