"""each feed's story count from a checkpoint: a render counts only the stories after it

Revision ID: story_counts
Revises: item_dates
Create Date: 2026-12-01

A render pages each feed (RFC 5005 archives of ``feed_size`` stories by arrival) from how many
stories it holds: a ``count(*)`` over the feed's range of the arrival index, which grew with
the stored history (10-25 ms for ten feeds at 100,000 items). ``story_counts`` keeps, for
each feed with many stories (a topic, or ``''`` for the overall feed), a checkpoint: the
arrival key ``(arrived, date, story_id)`` of one of its stories and how many of its stories
sort at or before it. A render counts the stories after it (a bounded index range) and adds
the changes logged since (``kzfeed.storage._counts``).

What keeps the checkpoint true are triggers on ``stories`` and ``story_topics``: a row inserted,
deleted or updated whose key sorts at or before its feed's checkpoint appends ``+1`` or ``-1``
to ``story_count_changes`` in the same transaction (rows after it are counted anyway). They
only append (no row another writer could hold), so PostgreSQL workers writing stories at once
never wait on them; the render moves a checkpoint only under the exclusive form of the lock
that every story write takes shared (``kzfeed.storage._storyrows``). Both tables start empty:
the first render that counts a large feed makes its checkpoint.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "story_counts"
down_revision = "item_dates"
branch_labels = None
depends_on = None

#: (table, the story id's column, the feed of a row: a column of it, or None for the overall feed)
_TABLES = (("stories", "id", None), ("story_topics", "story_id", "topic"))


def _logged(row: str, key: str, feed: str | None, delta: int) -> str:
    """The INSERT of a trigger (``row``: ``new`` or ``old``) that logs ``delta`` for the row's
    feed when the row sorts at or before that feed's checkpoint."""
    which = "''" if feed is None else f"{row}.{feed}"
    return (
        f"INSERT INTO story_count_changes (feed, delta) SELECT c.feed, {delta} FROM story_counts AS c "
        f"WHERE c.feed = {which} AND ({row}.arrived, {row}.date, {row}.{key}) <= (c.arrived, c.date, c.story_id)"
    )


def _sqlite_triggers() -> list[str]:
    made = []
    for table, key, feed in _TABLES:
        columns = ", ".join(c for c in (key, "arrived", "date", feed) if c)
        made += [
            f"CREATE TRIGGER {table}_counted_insert AFTER INSERT ON {table} BEGIN "
            f"{_logged('new', key, feed, 1)}; END",
            f"CREATE TRIGGER {table}_counted_delete AFTER DELETE ON {table} BEGIN "
            f"{_logged('old', key, feed, -1)}; END",
            f"CREATE TRIGGER {table}_counted_update AFTER UPDATE OF {columns} ON {table} BEGIN "
            f"{_logged('old', key, feed, -1)}; {_logged('new', key, feed, 1)}; END",
        ]
    return made


def _postgresql_triggers() -> list[str]:
    made = []
    for table, key, feed in _TABLES:
        columns = ", ".join(c for c in (key, "arrived", "date", feed) if c)
        made += [
            f"CREATE FUNCTION kzfeed_{table}_counted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP <> 'INSERT' THEN {_logged('OLD', key, feed, -1)}; END IF; "
            f"IF TG_OP <> 'DELETE' THEN {_logged('NEW', key, feed, 1)}; END IF; "
            "RETURN NULL; END $$",
            f"CREATE TRIGGER {table}_counted AFTER INSERT OR DELETE OR UPDATE OF {columns} ON {table} "
            f"FOR EACH ROW EXECUTE PROCEDURE kzfeed_{table}_counted()",
        ]
    return made


def upgrade() -> None:
    op.create_table(
        "story_counts",
        sa.Column("feed", sa.String(length=64), nullable=False),
        sa.Column("arrived", sa.DateTime(timezone=True), nullable=False),
        sa.Column("date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("story_id", sa.String(length=36), nullable=False),
        sa.Column("stories", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("feed", name=op.f("pk_story_counts")),
    )
    op.create_table(
        "story_count_changes",
        sa.Column("feed", sa.String(length=64), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
    )
    op.create_index(op.f("ix_story_count_changes_feed"), "story_count_changes", ["feed"])
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _postgresql_triggers() if postgresql else _sqlite_triggers():
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, _, _ in _TABLES:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_counted ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS kzfeed_{table}_counted()")
        else:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_counted_{event}")
    op.drop_index(op.f("ix_story_count_changes_feed"), table_name="story_count_changes")
    op.drop_table("story_count_changes")
    op.drop_table("story_counts")
