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
        steps = 0

        def count() -> int:
            nonlocal steps
            steps += 1
            return 0

        db.set_progress_handler(count, 1)
        db.execute(sql, params)
        db.set_progress_handler(None, 1)
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
