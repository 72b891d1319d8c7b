"""How many stories a feed holds, without a pass over them: what pages the feeds (RFC 5005
archives of ``feed_size`` stories by arrival) and what each head document links to.

A ``count(*)`` of a feed's range of the arrival index reads every story of the feed (10-25 ms
for ten feeds at 100,000 stored items, and growing). A feed with more than ``_AFTER`` stories
has a checkpoint instead (``story_counts``, revision ``story_counts``): the arrival key
``(arrived, date, story_id)`` of one of its stories and how many of its stories sort at or
before it. Its count is that number, plus the changes triggers logged since
(``story_count_changes``: ``+1``/``-1`` for each row inserted, deleted or moved at or before
the checkpoint: a story merged away, a reclassified report, a story gaining or losing a topic),
plus the stories after it (an index range of the ones that arrived since it was moved), in one
statement, so one snapshot. When more than ``_AFTER`` stories follow it, or more than
``_SLACK`` changes are logged, :func:`_move` folds the changes in and moves it ``_SLACK``
stories short of the newest.

Only moving a checkpoint needs care: a writer whose trigger compared its row with the old key
must not commit after the new key was worked out without it. On SQLite one writer runs at a
time, and the move begins with a write (the database's write lock for the whole move). On
PostgreSQL every write of story rows holds the stories lock shared until it commits
(``_storyrows._lock_stories``); the move holds it exclusive, so none is in flight and the next
ones wait for it (a few milliseconds), then read the key it committed. It does not wait for
the lock: while a write holds it, the feed is counted in full, as before, and moved later. The
triggers themselves only append rows: writers never wait on each other for them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, TextClause, text

from kzfeed.storage._base import advisory_key
from kzfeed.storage._storyrows import _STORIES_LOCK as STORIES_LOCK

__all__ = ["ALL", "count_stories"]

#: the feed key of the overall feed (the others are their topic)
ALL = ""
#: the stories lock, taken exclusive (without waiting) to move a checkpoint
_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(:k)")
_LOCK = advisory_key(STORIES_LOCK)
#: the stories left after a checkpoint when it moves
_SLACK = 64
#: more stories than this after a checkpoint (or with none, in all) move it
_AFTER = 4 * _SLACK


def count_stories(engine: Engine, topic: str | None) -> int:
    """How many stories the overall feed (or the feed of ``topic``) holds."""
    feed = ALL if topic is None else topic
    with engine.connect() as conn:
        row = conn.execute(_statement("counted", feed == ALL), {"feed": feed}).first()
        if row is None:  # no checkpoint: a small feed (a large one gets one below)
            small = int(conn.execute(_statement("all", feed == ALL), {"feed": feed}).scalar_one())
            if small <= _AFTER:
                return small
        elif row.after <= _AFTER and row.logged <= _SLACK:
            return int(row.stories + row.delta + row.after)
    return _move(engine, feed)


def _move(engine: Engine, feed: str) -> int:
    """Fold the logged changes of ``feed`` into its checkpoint and move it (or make it) to
    ``_SLACK`` stories short of the newest; the feed's count."""
    whole = feed == ALL
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql" and not conn.execute(_TRY_LOCK, {"k": _LOCK}).scalar_one():
            # a long story write (a rebuild) holds it: counted as before, moved by a later render
            return int(conn.execute(_statement("all", whole), {"feed": feed}).scalar_one())
        # first a write: on SQLite it takes the write lock, so nothing changes under the reads below
        conn.execute(_statement("fold", whole), {"feed": feed})
        conn.execute(text("DELETE FROM story_count_changes WHERE feed = :feed"), {"feed": feed})
        row = conn.execute(_statement("counted", whole), {"feed": feed}).first()
        if row is None:
            after = int(conn.execute(_statement("all", whole), {"feed": feed}).scalar_one())
            before = 0
        else:
            after, before = int(row.after), int(row.stories)
        if after > _AFTER:
            _place(conn, whole, feed, skip=after - _SLACK, made=row is not None, before=before)
        return before + after


def _place(conn: Connection, whole: bool, feed: str, *, skip: int, made: bool, before: int) -> None:
    """Put the checkpoint of ``feed`` on the ``skip``-th story after it (after none: from the
    first), counting ``before + skip`` stories at or before it."""
    values: dict[str, Any] = {"feed": feed, "offset": skip - 1, "stories": before + skip}
    conn.execute(_statement("move" if made else "make", whole), values)


_SQL = {
    "counted": "SELECT c.stories, "
    "(SELECT count(*) FROM story_count_changes AS l WHERE l.feed = c.feed) AS logged, "
    "(SELECT coalesce(sum(l.delta), 0) FROM story_count_changes AS l WHERE l.feed = c.feed) AS delta, "
    "(SELECT count(*) FROM {rows} WHERE {only}({key}) > (c.arrived, c.date, c.story_id)) AS after "
    "FROM story_counts AS c WHERE c.feed = :feed",
    "all": "SELECT count(*) FROM {rows}{where}",
    "fold": "UPDATE story_counts SET stories = stories + coalesce("
    "(SELECT sum(l.delta) FROM story_count_changes AS l WHERE l.feed = :feed), 0) WHERE feed = :feed",
    "move": "UPDATE story_counts SET (arrived, date, story_id) = (SELECT {key} FROM {rows} WHERE {only}"
    "({key}) > (story_counts.arrived, story_counts.date, story_counts.story_id) "
    "ORDER BY {key} LIMIT 1 OFFSET :offset), stories = :stories WHERE feed = :feed",
    "make": "INSERT INTO story_counts (feed, arrived, date, story_id, stories) "
    "SELECT {feed}, {key}, :stories FROM {rows}{where} ORDER BY {key} LIMIT 1 OFFSET :offset",
}


@lru_cache(maxsize=16)
def _statement(name: str, whole: bool) -> TextClause:
    """The statement ``name`` (``_SQL``) for the overall feed (``whole``) or a topic's
    (``:feed``): ``{rows}`` the feed's rows, ``{key}`` their arrival key (the order of the
    arrival indexes), ``{only}``/``{where}`` the topic's condition, ``{feed}`` a row's feed."""
    if whole:
        names = {
            "rows": "stories AS t",
            "key": "t.arrived, t.date, t.id",
            "only": "",
            "where": "",
            "feed": "''",
        }
    else:
        names = {
            "rows": "story_topics AS t",
            "key": "t.arrived, t.date, t.story_id",
            "only": "t.topic = :feed AND ",
            "where": " WHERE t.topic = :feed",
            "feed": "t.topic",
        }
    return text(_SQL[name].format(**names))
