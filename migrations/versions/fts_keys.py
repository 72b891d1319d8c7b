"""full-text index: find an item's entry by rowid, not by scanning the index

Revision ID: fts_keys
Revises: i7_ops
Create Date: 2026-11-30

The FTS5 index ``items_fts`` was kept in sync by triggers that deleted ``WHERE item_id =
old.id``; ``item_id`` is an unindexed FTS column, so every changed or deleted item scanned the
whole index (~140 ms an item at 100k items). Now each item has a fixed integer key in
``items_fts_keys`` (an INTEGER PRIMARY KEY, so VACUUM and table copies keep it), used as the
index entry's rowid: the triggers find the entry through the key's unique index. The index is
rebuilt once from ``items``.
"""

from __future__ import annotations

from alembic import op

revision = "fts_keys"
down_revision = "i7_ops"
branch_labels = None
depends_on = None

_DROP_TRIGGERS = [f"DROP TRIGGER IF EXISTS items_fts_{event}" for event in ("insert", "delete", "update")]

_KEY = "(SELECT k.fts_rowid FROM items_fts_keys AS k WHERE k.item_id = {row}.id)"
_ADD = (
    "INSERT INTO items_fts (rowid, item_id, title, body) "
    f"VALUES ({_KEY.format(row='new')}, new.id, new.title, new.content_text)"
)
_REMOVE = f"DELETE FROM items_fts WHERE rowid = {_KEY.format(row='old')}"

_UPGRADE = [
    "CREATE TABLE items_fts_keys (fts_rowid INTEGER PRIMARY KEY, item_id TEXT NOT NULL UNIQUE)",
    "INSERT INTO items_fts_keys (item_id) SELECT id FROM items ORDER BY rowid",
    "DELETE FROM items_fts",
    "INSERT INTO items_fts (rowid, item_id, title, body) "
    "SELECT k.fts_rowid, i.id, i.title, i.content_text FROM items AS i JOIN items_fts_keys AS k ON k.item_id = i.id",
    "CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN "
    f"INSERT INTO items_fts_keys (item_id) VALUES (new.id); {_ADD}; END",
    f"CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN {_REMOVE}; "
    "DELETE FROM items_fts_keys WHERE item_id = old.id; END",
    "CREATE TRIGGER items_fts_update AFTER UPDATE OF title, content_text ON items BEGIN "
    f"{_REMOVE}; {_ADD}; END",
]

# i7_ops's triggers, as they were
_DOWNGRADE = [
    "DROP TABLE items_fts_keys",
    "CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN "
    "INSERT INTO items_fts (item_id, title, body) VALUES (new.id, new.title, new.content_text); END",
    "CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN "
    "DELETE FROM items_fts WHERE item_id = old.id; END",
    "CREATE TRIGGER items_fts_update AFTER UPDATE OF title, content_text ON items BEGIN "
    "DELETE FROM items_fts WHERE item_id = old.id; "
    "INSERT INTO items_fts (item_id, title, body) VALUES (new.id, new.title, new.content_text); END",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # PostgreSQL has no items_fts
        for statement in _DROP_TRIGGERS + _UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _DROP_TRIGGERS + _DOWNGRADE:
            op.execute(statement)
