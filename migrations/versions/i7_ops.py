"""operations: rounds shared by workers, source leases, full-text search

Revision ID: i7_ops
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i7_ops"
down_revision = "0001"
branch_labels = None
depends_on = None

# SQLite: an FTS5 index of title and text, accent- and case-insensitive, kept in sync by triggers.
_SQLITE_FTS = [
    "CREATE VIRTUAL TABLE items_fts USING fts5("
    "item_id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2')",
    "INSERT INTO items_fts (item_id, title, body) SELECT id, title, content_text FROM items",
    "CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN "
    "INSERT INTO items_fts (item_id, title, body) VALUES (new.id, new.title, new.content_text); END",
    "CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN "
    "DELETE FROM items_fts WHERE item_id = old.id; END",
    "CREATE TRIGGER items_fts_update AFTER UPDATE OF title, content_text ON items BEGIN "
    "DELETE FROM items_fts WHERE item_id = old.id; "
    "INSERT INTO items_fts (item_id, title, body) VALUES (new.id, new.title, new.content_text); END",
]


def upgrade() -> None:
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rounds")),
    )
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rounds_scope_finished_at"), ["scope", "finished_at"], unique=False
        )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("round_done", sa.Integer(), nullable=True))
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        # accent-insensitive search (kzfeed.storage._search); unaccent is a trusted extension
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("items_fts_insert", "items_fts_delete", "items_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS items_fts")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("round_done")
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rounds_scope_finished_at"))
    op.drop_table("rounds")
