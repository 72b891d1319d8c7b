"""On SQLite the ``stories`` and ``story_topics`` rows are worked out by SQLite itself
(``kzfeed.storage._storyrows``): they must be the rows worked out in Python (as on PostgreSQL),
whatever the stories' members (a lead that is not the first seen, reports without a date or
with an update, reports left out of the feeds, stories merged, reports that changed)."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from factories import make_item
from kzfeed.models import Item, SourceState
from kzfeed.storage import _direct, _storyrows, open_store
from vmsteps import steps_of

T0 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
TOPICS = ("raw_materials", "energy", "transport", "trade")


def _batches(seed: int) -> list[tuple[datetime, list[Item], dict[str, str]]]:
    """Three saves of items in stories of one to six reports, each with its time and merges."""
    rng = random.Random(seed)
    saves: list[tuple[datetime, list[Item], dict[str, str]]] = []
    stories: list[str] = []
    stored: list[Item] = []
    for n in range(3):
        now = T0 + timedelta(hours=n, microseconds=rng.randrange(3))
        batch = []
        for k in range(12):
            published = None if rng.random() < 0.25 else T0 - timedelta(hours=rng.randrange(48))
            updated = (
                published + timedelta(minutes=rng.randrange(90)) if published and rng.random() < 0.3 else None
            )
            item = make_item(
                f"{n}-{k}.txt",
                title=f"Report {n}-{k}",
                relevant=rng.random() < 0.8,
                topics=tuple(rng.sample(TOPICS, rng.randrange(3))),
                published=published,
                updated=updated,
            )
            story = rng.choice(stories) if stories and rng.random() < 0.6 else None
            batch.append(replace(item, story_id=story))
            if story is None:
                stories.append(item.id)
        if stored and n == 2:  # a stored report changes: a new title and another story
            batch.append(replace(stored[0], title="Report changed", story_id=stories[-1]))
        merges = {stories[1]: stories[0]} if n == 2 else {}
        saves.append((now, batch, merges))
        stored += batch
    return saves


def _store(url: str, seed: int, *, held: bool = False) -> None:
    """The saves of ``_batches(seed)``; ``held``: in one held transaction, as a run on SQLite
    holds its sources (``hold_writes``)."""
    store = open_store(url)
    with store:
        if held:
            assert store.hold_writes()
        for now, batch, merges in _batches(seed):
            store.save_source(
                state=SourceState(name="feed", type="rss"),
                config_hash="h",
                batch=batch,
                ok=True,
                now=now,
                merges=merges,
            )
        if held:
            store.release_writes()


def _rows(path: Path) -> dict[str, list[tuple[str, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {
            table: sorted(conn.execute(f"SELECT {columns} FROM {table}").fetchall())
            for table, columns in (
                ("stories", "quote(id), quote(arrived), quote(date), quote(latest), quote(reports)"),
                ("story_topics", "quote(story_id), quote(topic), quote(arrived), quote(date)"),
            )
        }
    finally:
        conn.close()


@pytest.mark.parametrize("seed", range(6))
def test_the_story_rows_sqlite_works_out_are_those_worked_out_in_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    _store(f"sqlite:///{tmp_path / 'sql.db'}", seed)
    monkeypatch.setattr(_direct, "DIRECT", set())  # worked out in Python, as on PostgreSQL
    _store(f"sqlite:///{tmp_path / 'python.db'}", seed)
    in_sql, in_python = _rows(tmp_path / "sql.db"), _rows(tmp_path / "python.db")
    assert in_sql["stories"] and in_sql["story_topics"]
    assert any(int(row[4]) > 1 for row in in_sql["stories"])  # stories of several reports
    assert in_sql == in_python


@pytest.mark.parametrize("seed", range(3))
def test_sources_held_in_one_transaction_write_their_story_rows_once_at_its_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """A run on SQLite holds its sources' writes in one transaction: the rows of the stories
    they touched are written once, as it commits, and are those written source by source."""
    _store(f"sqlite:///{tmp_path / 'each.db'}", seed)
    rewrite, rewrites = _storyrows._rewrite, []

    def counted(conn: Any, keys: list[str]) -> None:
        rewrites.append(keys)
        rewrite(conn, keys)

    monkeypatch.setattr(_storyrows, "_rewrite", counted)
    _store(f"sqlite:///{tmp_path / 'held.db'}", seed, held=True)
    assert len(rewrites) == 1  # three saves (one with merges), one rewrite
    assert _rows(tmp_path / "held.db") == _rows(tmp_path / "each.db")


def _steps(path: Path, sql: str, params: tuple[str, ...]) -> int:
    """SQLite virtual-machine steps that one query takes."""
    conn = sqlite3.connect(path)
    try:
        return steps_of(conn, sql, params)
    finally:
        conn.close()


def _save_alone(url: str, count: int, start: int = 0) -> list[Item]:
    """``count`` relevant items stored without a story id (each a story of its own)."""
    batch = [make_item(f"alone-{n}.txt", title=f"Report {n}") for n in range(start, start + count)]
    with open_store(url) as store:
        store.save_source(state=SourceState(name="feed", type="rss"), config_hash="h", batch=batch, ok=True)
    return batch


def test_rewriting_a_storys_rows_costs_the_same_with_50_or_2000_items_without_a_story_id(
    tmp_path: Path,
) -> None:
    """An item without a story id is found by its id, not by reading every item without one."""
    from kzfeed.storage._storyrows import _SQL_MEMBERS

    path = tmp_path / "kzfeed.db"
    first = _save_alone(f"sqlite:///{path}", 50)
    listed = f'["{first[7].id}"]'
    small = _steps(path, _SQL_MEMBERS, (listed, listed))
    _save_alone(f"sqlite:///{path}", 1950, start=50)
    large = _steps(path, _SQL_MEMBERS, (listed, listed))
    assert large < 2 * small, (small, large)


def test_a_storys_members_are_read_from_an_index_not_from_the_items_rows(tmp_path: Path) -> None:
    """The members' ids and dates come from ``ix_items_story_members`` alone: an item's row
    holds its text and HTML before them, read through its overflow pages."""
    from kzfeed.storage._storyrows import _SQL_MEMBERS

    path = tmp_path / "kzfeed.db"
    _save_alone(f"sqlite:///{path}", 3)
    conn = sqlite3.connect(path)
    try:
        plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {_SQL_MEMBERS}", ("[]", "[]"))]
    finally:
        conn.close()
    searches = [step for step in plan if step.startswith(("SEARCH items", "SCAN items"))]
    assert searches == [
        "SEARCH items USING COVERING INDEX ix_items_story_members (story_id=?)",
        "SEARCH items USING INDEX sqlite_autoindex_items_1 (id=?)",
    ], plan
