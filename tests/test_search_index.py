"""The SQLite full-text index follows changed and deleted items at a cost that does not grow
with the number of items stored (it used to scan the whole index for every change)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from factories import make_item
from kzfeed.models import SourceState
from kzfeed.storage import Store, open_store
from vmsteps import steps_of


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    yield s
    s.close()


def _save(store: Store, count: int, start: int = 0) -> None:
    items = [
        make_item(f"n{n}.txt", title=f"Nouvelle {n} Kazakhstan", text=f"Texte numero {n} sur Astana.")
        for n in range(start, start + count)
    ]
    store.save_source(state=SourceState(name="test", type="files"), config_hash="x", batch=items, ok=True)


def _steps(store: Store, sql: str, params: tuple[str, ...]) -> int:
    """SQLite virtual-machine steps that one statement (with its triggers) takes."""
    raw = store._engine.raw_connection()  # the SQLite connection, to count VM steps
    try:
        db = raw.driver_connection
        assert isinstance(db, sqlite3.Connection)
        steps = steps_of(db, sql, params)
        db.commit()
        return steps
    finally:
        raw.close()


def _id_of(store: Store, title: str) -> str:
    hits = store.search_items(title, relevant_only=False)
    assert len(hits) == 1, hits
    return hits[0].id


def test_changing_or_deleting_an_item_costs_the_same_with_50_or_2000_stored(store: Store) -> None:
    _save(store, 50)
    small_update = _steps(
        store, "UPDATE items SET title = 'Renamed one' WHERE id = ?", (_id_of(store, "Nouvelle 7"),)
    )
    small_delete = _steps(store, "DELETE FROM items WHERE id = ?", (_id_of(store, "Nouvelle 8"),))
    _save(store, 1950, start=50)
    large_update = _steps(
        store, "UPDATE items SET title = 'Renamed two' WHERE id = ?", (_id_of(store, "Nouvelle 1900"),)
    )
    large_delete = _steps(store, "DELETE FROM items WHERE id = ?", (_id_of(store, "Nouvelle 1901"),))
    assert large_update < 2 * small_update, (small_update, large_update)
    assert large_delete < 2 * small_delete, (small_delete, large_delete)
    # and the index says what the items say
    renamed = sorted(h.title for h in store.search_items("renamed", relevant_only=False))
    assert renamed == ["Renamed one", "Renamed two"]
    left = {h.title for h in store.search_items("Nouvelle", limit=5000, relevant_only=False)}
    assert {"Nouvelle 7 Kazakhstan", "Nouvelle 8 Kazakhstan", "Nouvelle 1901 Kazakhstan"} & left == set()
    assert len(left) == 1996
    assert len(store.search_items("Astana", limit=5000, relevant_only=False)) == 1998


def _index_rows(path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """(the index's entries, the entries its items call for: each item's key, id, title and text)."""
    conn = sqlite3.connect(path)
    try:
        entries = conn.execute("SELECT rowid, item_id, title, body FROM items_fts ORDER BY rowid").fetchall()
        wanted = conn.execute(
            "SELECT k.fts_rowid, i.id, i.title, i.content_text FROM items AS i "
            "JOIN items_fts_keys AS k ON k.item_id = i.id ORDER BY k.fts_rowid"
        ).fetchall()
        return entries, wanted
    finally:
        conn.close()


def test_new_items_get_one_key_and_one_entry_each_in_the_order_stored(store: Store, tmp_path: Path) -> None:
    _save(store, 30)
    _save(store, 20, start=30)
    entries, wanted = _index_rows(tmp_path / "db.sqlite")
    assert entries == wanted and len(entries) == 50
    assert [key for key, *_ in entries] == list(range(1, 51))
    assert [title for _, _, title, _ in entries] == [f"Nouvelle {n} Kazakhstan" for n in range(50)]
    assert len(store.search_items("Astana", limit=100, relevant_only=False)) == 50


def test_a_database_indexed_by_the_old_trigger_is_indexed_alike_after_the_upgrade(tmp_path: Path) -> None:
    """Before revision ``fts_writes`` a trigger on ``items`` wrote the index; upgraded, the
    trigger is gone (or each new item would get two keys), what it wrote stays, and the store
    writes the same entries for new items."""
    from alembic import command
    from sqlalchemy import create_engine

    from kzfeed.storage._migrate import alembic_config

    path = tmp_path / "db.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "item_dates")
    engine.dispose()
    conn = sqlite3.connect(path)
    with conn:  # an item stored before the upgrade: the trigger indexes it
        conn.execute(
            "INSERT INTO items (id, source, guid, title, content_text, content_html, content_hash, "
            "first_seen, fetched_at) VALUES ('old-1', 'test', 'old.txt', 'Ancienne Kazakhstan', "
            "'Texte ancien sur Astana.', '', 'h', '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
        )
    conn.close()
    with open_store(f"sqlite:///{path}") as upgraded:  # opening it upgrades it
        _save(upgraded, 5)
        assert len(upgraded.search_items("Astana", relevant_only=False)) == 6
        assert [h.id for h in upgraded.search_items("Ancienne", relevant_only=False)] == ["old-1"]
    conn = sqlite3.connect(path)
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    conn.close()
    assert "items_fts_insert" not in triggers and "items_fts_update" in triggers
    entries, wanted = _index_rows(path)
    assert entries == wanted and len(entries) == 6
