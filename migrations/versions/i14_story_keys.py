"""story keys by index: a run reads the story keys around its batch, not every stored one

Revision ID: i14_story_keys
Revises: fts_keys
Create Date: 2026-11-30

``Store.story_keys`` finds the stored items a batch may be the same story as by content hash,
guid, publication date and (undated items) first-seen date; these indexes make each of those
reads follow the batch, not the number of stored items.
"""

from __future__ import annotations

from alembic import op

revision = "i14_story_keys"
down_revision = "fts_keys"
branch_labels = None
depends_on = None

_COLUMNS = ("content_hash", "guid", "published", "first_seen")


# plain CREATE INDEX (no batch mode): a copied table would lose the full-text triggers
def upgrade() -> None:
    for column in _COLUMNS:
        op.create_index(op.f(f"ix_items_{column}"), "items", [column], unique=False)


def downgrade() -> None:
    for column in _COLUMNS:
        op.drop_index(op.f(f"ix_items_{column}"), table_name="items")
