"""stories in the database: the head of a feed is a bounded query

Revision ID: stories
Revises: fleet_polite
Create Date: 2026-11-30

Rendering read every relevant item (in outline) to group stories and page the feeds on every
run. Now the stories the feeds show have rows of their own (``stories``: arrival, the lead's
date, the newest date, how many reports; ``story_topics``: one per topic, in arrival order
per topic), kept by every write of items, so the head of each feed is an index range. The
rows are filled once here from the stored items, by the rules of
``kzfeed.storage._storyrows``: a story is the relevant items with one story id (an item
without one is its own); its lead is the item whose id is the story's, else the first seen
(then the first published, then by id). ``items.fetched_at`` gets an index and ``renders``
records when each output folder was last rendered: a render reads the items changed since.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "stories"
down_revision = "fleet_polite"
branch_labels = None
depends_on = None

_KEY = "coalesce(story_id, id)"
_FILL_STORIES = (
    "INSERT INTO stories (id, arrived, date, latest, reports) "
    "SELECT story, min(first_seen), max(CASE WHEN n = 1 THEN seen_date END), max(seen_date), count(*) "
    f"FROM (SELECT {_KEY} AS story, first_seen, coalesce(updated, published, first_seen) AS seen_date, "
    f"row_number() OVER (PARTITION BY {_KEY} ORDER BY CASE WHEN id = {_KEY} THEN 0 ELSE 1 END, "
    "first_seen, CASE WHEN published IS NULL THEN 1 ELSE 0 END, published, id) AS n "
    "FROM items WHERE relevant) AS m GROUP BY story"
)
_FILL_TOPICS = (
    "INSERT INTO story_topics (story_id, topic, arrived, date) "
    "SELECT DISTINCT s.id, t.topic, s.arrived, s.date FROM items AS i "
    "JOIN item_topics AS t ON t.item_id = i.id "
    "JOIN stories AS s ON s.id = coalesce(i.story_id, i.id) WHERE i.relevant"
)


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("arrived", sa.DateTime(timezone=True), nullable=False),
        sa.Column("date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latest", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stories")),
    )
    op.create_index(op.f("ix_stories_arrived_date_id"), "stories", ["arrived", "date", "id"])
    op.create_index(op.f("ix_stories_date_id"), "stories", ["date", "id"])
    op.create_index(op.f("ix_stories_latest"), "stories", ["latest"])
    op.create_table(
        "story_topics",
        sa.Column("story_id", sa.String(length=36), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("arrived", sa.DateTime(timezone=True), nullable=False),
        sa.Column("date", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["stories.id"], name=op.f("fk_story_topics_story_id_stories"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("story_id", "topic", name=op.f("pk_story_topics")),
    )
    op.create_index(
        op.f("ix_story_topics_topic_arrived_date_story_id"),
        "story_topics",
        ["topic", "arrived", "date", "story_id"],
    )
    op.create_index(op.f("ix_items_fetched_at"), "items", ["fetched_at"])
    op.create_table(
        "renders",
        sa.Column("output_dir", sa.Text(), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("renderer", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("output_dir", name=op.f("pk_renders")),
    )
    op.execute(_FILL_STORIES)
    op.execute(_FILL_TOPICS)


def downgrade() -> None:
    op.drop_table("renders")
    op.drop_index(op.f("ix_items_fetched_at"), table_name="items")
    op.drop_table("story_topics")
    op.drop_table("stories")
