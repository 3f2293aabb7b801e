"""visible fingerprint: what an extraction reads of the last HTML fetched from a URL

A recrawl whose HTML differs from the last fetch only in markup (scripts, attributes, ad
slots) compares this fingerprint (crawler.visible) and records a check instead of extracting
the page again. Empty for every URL fetched before: their next fetch is extracted in full.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fetch_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visible_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fetch_states", schema=None) as batch_op:
        batch_op.drop_column("visible_sha256")
