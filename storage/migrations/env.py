"""Alembic environment: runs on the connection storage.db hands over, batch mode for SQLite."""

from alembic import context

from storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
    # The FTS5 index and its shadow tables are made by hand in migration 0004, not by models.
    include_name=lambda name, kind, _parent: (
        not (kind == "table" and str(name).startswith("search_"))
    ),
)
with context.begin_transaction():
    context.run_migrations()
