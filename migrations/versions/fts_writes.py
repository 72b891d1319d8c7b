"""full-text index: a new item's entry is written by kzfeed, not by a trigger on ``items``

Revision ID: fts_writes
Revises: story_counts
Create Date: 2026-12-01

The trigger ``items_fts_insert`` wrote each new item's key and its FTS5 entry. A trigger makes
every ``INSERT INTO items`` a statement that SQLite may have to undo half-way, so each one kept
a statement journal: the pages it changed that the transaction had changed before (an item's
eleven indexes, the index's tables) copied to a temporary file, about 146 KB an item, 292 MB in
a first run of 2,000 items (about a third of the run's writes to the database, in CPU). The
items of a source are now inserted without a trigger, then their keys, one single-row
statement each, and their entries (``kzfeed.storage._search.index_new_items``): the same keys,
in the same order, and the same entries. Changed and deleted items keep their triggers (rare). Only
SQLite has the index; no data changes.
"""

from __future__ import annotations

from alembic import op

revision = "fts_writes"
down_revision = "story_counts"
branch_labels = None
depends_on = None

# fts_keys's trigger, as it was
_INSERT_TRIGGER = (
    "CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN "
    "INSERT INTO items_fts_keys (item_id) VALUES (new.id); "
    "INSERT INTO items_fts (rowid, item_id, title, body) "
    "VALUES ((SELECT k.fts_rowid FROM items_fts_keys AS k WHERE k.item_id = new.id), new.id, new.title, "
    "new.content_text); END"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # PostgreSQL has no items_fts
        op.execute("DROP TRIGGER IF EXISTS items_fts_insert")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS items_fts_insert")
        op.execute(_INSERT_TRIGGER)
