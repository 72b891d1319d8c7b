"""each stored report's story signals, kept for the next runs (issue 13)

Revision ID: story_signals
Revises: fleet_turns
Create Date: 2026-12-01

A run that brings news compares it with the reports published around it, by their story
signals (``kzfeed.stories.Signals``). These were worked out again in every run from each such
report read in full; the table keeps them, keyed by item, with the content hash and the
signals' version they were worked out for. It starts empty on an upgraded database: a run works
out the signals of the stored reports it needs, as before, and writes them here for the next
runs, so no stored item is touched by the upgrade.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "story_signals"
down_revision = "fleet_turns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story_signals",
        sa.Column("item_id", sa.String(length=36), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("signals", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_story_signals_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_story_signals")),
    )


def downgrade() -> None:
    op.drop_table("story_signals")
