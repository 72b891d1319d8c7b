"""items by their date: listing and pruning follow an index instead of sorting every row

Revision ID: item_dates
Revises: render_inputs
Create Date: 2026-12-01

``kzfeed items`` and ``export`` list items newest first by their date (last update, else
publication, else first seen: ``coalesce(updated, published, first_seen)``), then by id; with no
index on that expression the database read and sorted every stored item, text included, before
the first line came out (about a second at 100,000 items). ``kzfeed prune`` counted the items
older than its cutoff by reading every one. Two indexes on the expression: ``(relevant, date
DESC, id)`` for the relevant (or the irrelevant) items and the prune counts, ``(date DESC, id)``
for ``--all``. Existing items are indexed as they are; no data changes.

Expression indexes are not reflected by SQLAlchemy on SQLite: a later ``batch_alter_table`` of
``items`` there would rebuild the table without them (create them again after it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "item_dates"
down_revision = "render_inputs"
branch_labels = None
depends_on = None


def _date() -> sa.ColumnElement[object]:
    return sa.func.coalesce(sa.column("updated"), sa.column("published"), sa.column("first_seen"))


def upgrade() -> None:
    op.create_index(
        "ix_items_relevant_date", "items", [sa.column("relevant"), _date().desc(), sa.column("id")]
    )
    op.create_index("ix_items_date", "items", [_date().desc(), sa.column("id")])


def downgrade() -> None:
    op.drop_index("ix_items_date", table_name="items")
    op.drop_index("ix_items_relevant_date", table_name="items")
