"""stories: articles from any sources that report one event, and their grouping keys

storage.stories links each new article to a story in the transaction that stores it; the keys
table lets it find candidates by shared entity, figure or text-sketch value within a window.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_article_id", sa.Integer(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("articles", sa.Integer(), server_default="1", nullable=False),
        sa.Column("sources", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["first_article_id"], ["articles.id"], name=op.f("fk_stories_first_article_id_articles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
    )
    with op.batch_alter_table("stories", schema=None) as batch_op:
        for column in ("first_seen", "created", "updated", "sources"):
            batch_op.create_index(batch_op.f(f"ix_stories_{column}"), [column], unique=False)
    op.create_table(
        "story_articles",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("joined", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sketch", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_story_articles_article_id_articles")
        ),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name=op.f("fk_story_articles_story_id_stories")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_story_articles_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_story_articles")),
    )
    with op.batch_alter_table("story_articles", schema=None) as batch_op:
        for column in ("story_id", "at", "joined"):
            batch_op.create_index(batch_op.f(f"ix_story_articles_{column}"), [column], unique=False)
    op.create_table(
        "story_keys",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_story_keys_article_id_articles")
        ),
        sa.PrimaryKeyConstraint("key", "article_id", name=op.f("pk_story_keys")),
    )
    # Candidates are looked up by key within a time window.
    op.create_index("ix_story_keys_key_at", "story_keys", ["key", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_story_keys_key_at", table_name="story_keys")
    op.drop_table("story_keys")
    with op.batch_alter_table("story_articles", schema=None) as batch_op:
        for column in ("joined", "at", "story_id"):
            batch_op.drop_index(batch_op.f(f"ix_story_articles_{column}"))
    op.drop_table("story_articles")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        for column in ("sources", "updated", "created", "first_seen"):
            batch_op.drop_index(batch_op.f(f"ix_stories_{column}"))
    op.drop_table("stories")
