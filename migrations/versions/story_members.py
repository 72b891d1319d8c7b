"""story members from an index: a story's rows are rewritten without reading its items' rows

Revision ID: story_members
Revises: fts_writes
Create Date: 2026-12-01

Every source stored rewrites the ``stories`` and ``story_topics`` rows of the stories it
touched from their relevant items' ids and dates (``kzfeed.storage._storyrows``). Those
columns sit after the item's text and HTML in its row, so each member read followed the row's
overflow pages: at 200 feeds of ten entries about a third of storing the items. The index on
``story_id`` becomes ``(story_id, relevant, id, first_seen, published, updated)``, which holds
all that the rewrite reads (and still finds a story's items by ``story_id``). No data changes.
"""

from __future__ import annotations

from alembic import op

revision = "story_members"
down_revision = "fts_writes"
branch_labels = None
depends_on = None

_COLUMNS = ["story_id", "relevant", "id", "first_seen", "published", "updated"]


def upgrade() -> None:
    op.create_index("ix_items_story_members", "items", _COLUMNS)
    op.drop_index("ix_items_story_id", table_name="items")


def downgrade() -> None:
    op.create_index("ix_items_story_id", "items", ["story_id"])
    op.drop_index("ix_items_story_members", table_name="items")
