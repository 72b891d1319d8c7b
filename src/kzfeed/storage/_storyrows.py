"""The ``stories`` and ``story_topics`` rows: what the feeds show, kept by every write of items.

A story is the relevant items that share a story id (an item without one is a story of its
own). Its row holds what paging and ordering need: when kzfeed first saw one of its reports
(``arrived``), the date of its lead report (``date``: the one that started the story, else
the first seen), the newest date of its reports (``latest``) and how many there are. Every
write that can change a story (new or changed items, a reclassification, a rebuild of the
stories, retention) calls :func:`refresh_stories` with the stories it touched, in the same
transaction; the Alembic revision ``stories`` fills the tables once from stored items.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Connection, and_, bindparam, func, or_, select, text

from kzfeed.storage import _direct
from kzfeed.storage._base import advisory_key, at_commit, chunks
from kzfeed.storage._direct import delete_in, insert_rows, run_sql, select_rows
from kzfeed.storage._schema import item_topics, items, stories, story_topics

__all__ = ["refresh_stories", "stories_of", "story_members"]


def stories_of(conn: Connection, item_ids: Iterable[str]) -> set[str]:
    """The stories the stored items ``item_ids`` belong to now."""
    found: set[str] = set()
    for chunk in chunks(sorted(set(item_ids))):
        key = func.coalesce(items.c.story_id, items.c.id)
        found.update(conn.execute(select(key).where(items.c.id.in_(chunk))).scalars())
    return found


def story_members(chunk: Collection[str] | BindParameter[Any]) -> Any:
    """The condition of the relevant items of the stories ``chunk`` (or of a bound list):
    found through the indexes on ``story_id`` and ``id`` (written ``IS NOT false`` so that
    SQLite does not pick the index on ``relevant`` instead and read every relevant item)."""
    return and_(
        items.c.relevant.is_not(False),
        or_(items.c.story_id.in_(chunk), and_(items.c.story_id.is_(None), items.c.id.in_(chunk))),
    )


# the statements of refresh_stories, built once (building one costs more than running it, and
# a run rewrites the stories of every source that brings news)
_KEYS: BindParameter[Any] = bindparam("keys", expanding=True)
_MEMBERS = select(items.c.id, items.c.story_id, items.c.first_seen, items.c.published, items.c.updated).where(
    story_members(_KEYS)
)
_TOPICS = select(item_topics.c.item_id, item_topics.c.topic).where(
    item_topics.c.item_id.in_(bindparam("ids", expanding=True))
)


# SQLite: the same rows worked out by SQLite itself (as the Alembic revision ``stories`` first
# filled them), the stories' keys one parameter (a JSON array, given twice): no member nor topic
# row read into Python. Times are text there, in one format (``_times``), so ordered as text.
# The members are read from the index ``ix_items_story_members`` alone (not the items' rows,
# whose text comes first); an item without a story id by its primary key (``+story_id``: not
# by that index, which would read every item without one).
_KEY = "coalesce(story_id, id)"
_LISTED = "SELECT value FROM json_each(?)"
_SQL_MEMBERS = (
    f"SELECT {_KEY} AS story, id, first_seen, published, "
    "coalesce(updated, published, first_seen) AS seen_date FROM items "
    f"WHERE relevant IS NOT 0 AND (story_id IN ({_LISTED}) OR (+story_id IS NULL AND id IN ({_LISTED})))"
)
_SQL_STORIES = (
    "INSERT INTO stories (id, arrived, date, latest, reports) "
    "SELECT story, min(first_seen), max(CASE WHEN n = 1 THEN seen_date END), max(seen_date), count(*) "
    "FROM (SELECT story, first_seen, seen_date, row_number() OVER (PARTITION BY story ORDER BY "
    "CASE WHEN id = story THEN 0 ELSE 1 END, first_seen, CASE WHEN published IS NULL THEN 1 ELSE 0 END, "
    f"published, id) AS n FROM ({_SQL_MEMBERS})) GROUP BY story"
)
_SQL_TOPICS = (
    "INSERT INTO story_topics (story_id, topic, arrived, date) "
    f"SELECT DISTINCT s.id, t.topic, s.arrived, s.date FROM ({_SQL_MEMBERS}) AS m "
    "JOIN item_topics AS t ON t.item_id = m.id JOIN stories AS s ON s.id = m.story"
)


def refresh_stories(conn: Connection, keys: Iterable[str]) -> None:
    """Write again the rows of the stories ``keys`` from their relevant items (none left: the
    story's rows go). SQLite: in a run's held transaction (``hold_writes``), once just before it
    commits, for every story its sources touched (:func:`~kzfeed.storage._base.at_commit`): a
    story's rows are a function of its items alone, and nothing the run does before it commits
    reads them, so rewriting each story once for a few dozen sources leaves the same rows as
    rewriting it after each (a story many sources report on was rewritten by each)."""
    wanted = sorted(set(keys))
    if conn.dialect.name in _direct.DIRECT:  # (the tests empty it to compare)
        if wanted:
            at_commit(conn, _rewrite, wanted)
        return
    _lock_stories(conn, wanted)
    for chunk in chunks(wanted):
        keys = {"keys": list(chunk)}
        members = list(select_rows(conn, _MEMBERS, keys))
        topics: dict[str, list[str]] = {}
        for ids in chunks([m.id for m in members]):
            for item_id, topic in select_rows(conn, _TOPICS, {"ids": list(ids)}):
                topics.setdefault(item_id, []).append(topic)
        delete_in(conn, story_topics.c.story_id, chunk)
        delete_in(conn, stories.c.id, chunk)
        groups: dict[str, list[Any]] = {}
        for m in members:
            groups.setdefault(m.story_id or m.id, []).append(m)
        story_rows, topic_rows = [], []
        for key, group in groups.items():
            row = _story_row(key, group)
            story_rows.append(row)
            names = sorted({t for m in group for t in topics.get(m.id, ())})
            topic_rows += [
                {"story_id": key, "topic": t, "arrived": row["arrived"], "date": row["date"]} for t in names
            ]
        insert_rows(conn, stories, story_rows)
        insert_rows(conn, story_topics, topic_rows)


def _rewrite(conn: Connection, keys: list[str]) -> None:
    """SQLite: the rows of the stories ``keys`` written again, by SQLite itself."""
    wanted = sorted(set(keys))
    delete_in(conn, story_topics.c.story_id, wanted)
    delete_in(conn, stories.c.id, wanted)
    listed = json.dumps(wanted, ensure_ascii=False)
    run_sql(conn, _SQL_STORIES, [(listed, listed)])
    run_sql(conn, _SQL_TOPICS, [(listed, listed)])


_STORIES_LOCK = "kzfeed-stories"
_MANY = 64  # a rewrite of more stories than this locks them all (a few locks per transaction)


def _lock_stories(conn: Connection, keys: Collection[str]) -> None:
    """PostgreSQL: hold the stories ``keys`` until this transaction ends (advisory locks, taken
    in one order), so that workers storing reports of one story at once rewrite its rows one
    after the other, each reading the members after the other has committed (two at once both
    inserted the story's row: a duplicate key). Every rewrite holds the lock of all stories
    shared, and one of many stories (a rebuild, retention) holds it alone instead of one lock
    per story (the server has room for a few thousand locks in all)."""
    if conn.dialect.name != "postgresql" or not keys:
        return  # SQLite: one writer at a time
    every = advisory_key(_STORIES_LOCK)
    if len(keys) > _MANY:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": every})
        return
    conn.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": every})
    locks = sorted(advisory_key(f"kzfeed-story:{key}") for key in keys)
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), [{"k": k} for k in locks])


def _date(m: Any) -> datetime:
    return m.updated or m.published or m.first_seen  # type: ignore[no-any-return]


def _story_row(key: str, group: list[Any]) -> dict[str, Any]:
    # the lead as ``kzfeed.stories.group_stories`` picks it: the report that started the story,
    # else the first seen (then the first published, then by id)
    lead = min(
        group,
        key=lambda m: (
            m.id != key,
            m.first_seen.timestamp(),
            m.published.timestamp() if m.published else float("inf"),
            m.id,
        ),
    )
    return {
        "id": key,
        "arrived": min(m.first_seen for m in group),
        "date": _date(lead),
        "latest": max(_date(m) for m in group),
        "reports": len(group),
    }
