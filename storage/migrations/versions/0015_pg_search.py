"""pg search: a tsvector of each version's words, GIN-indexed (PostgreSQL; a no-op elsewhere)

PostgreSQL searched with ILIKE conditions, reading every version's text per query; the index
holds the words as SQLite's FTS5 cuts them (storage/search_pg.py), so the answers stay the same.
No extension is needed: 'simple' and GIN ship with every PostgreSQL.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    from sqlalchemy.orm import Session

    from storage.search_pg import rebuild_index

    op.execute(
        "CREATE TABLE search_documents ("
        "version_id INTEGER NOT NULL CONSTRAINT pk_search_documents PRIMARY KEY "
        "CONSTRAINT fk_search_documents_version_id_versions REFERENCES versions (id), "
        "doc TSVECTOR NOT NULL)"
    )
    rebuild_index(Session(bind=op.get_bind()))  # before the index: one build, not per row
    op.execute("CREATE INDEX search_documents_doc ON search_documents USING gin (doc)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE search_documents")
