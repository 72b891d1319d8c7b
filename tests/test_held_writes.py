"""SQLite: a run holds its writes in one transaction, each source's in a SAVEPOINT of it, and
commits them a few dozen sources at a time (``StoreBase.hold_writes``). A source that fails
rolls back only itself; a killed run leaves no source half-stored; other threads read what was
committed, on their own connections."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from factories import make_item
from kzfeed.http import CacheEntry
from kzfeed.models import SourceState
from kzfeed.storage import Store, open_store


def _save(store: Store, name: str) -> None:
    item = make_item(f"{name}.txt", source=name, title=f"Report of {name}")
    store.save_source(
        state=SourceState(name=name, type="files"),
        config_hash="x",
        batch=[item],
        ok=True,
        validators={f"https://{name}.example/feed": CacheEntry(etag=f'"{name}"', last_status=200)},
    )


def _stored(path: Path) -> dict[str, tuple[int, int, int, int]]:
    """Per source: its items, topic rows, HTTP validators and health row, read with ``sqlite3``."""
    conn = sqlite3.connect(path)
    try:
        found = {}
        for name in ("a", "b", "c"):
            found[name] = (
                conn.execute("SELECT count(*) FROM items WHERE source = ?", [name]).fetchone()[0],
                conn.execute(
                    "SELECT count(*) FROM item_topics JOIN items ON items.id = item_id WHERE source = ?",
                    [name],
                ).fetchone()[0],
                conn.execute(
                    "SELECT count(*) FROM http_cache WHERE url LIKE ?", [f"https://{name}.%"]
                ).fetchone()[0],
                conn.execute("SELECT count(*) FROM sources WHERE name = ?", [name]).fetchone()[0],
            )
        return found
    finally:
        conn.close()


def test_a_source_failing_among_held_ones_rolls_back_only_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kzfeed.storage._items as items_module

    def write_entries(conn: object, entries: dict[str, CacheEntry]) -> None:
        if any(".b." in url or "//b." in url for url in entries):  # after b's items and health row
            raise OSError("disk full")
        real(conn, entries)

    real = items_module.write_entries
    monkeypatch.setattr(items_module, "write_entries", write_entries)
    path = tmp_path / "held.db"
    store = open_store(f"sqlite:///{path}")
    try:
        assert store.hold_writes()
        _save(store, "a")
        with pytest.raises(OSError, match="disk full"):
            _save(store, "b")
        _save(store, "c")
        assert _stored(path)["a"] == (0, 0, 0, 0)  # held: not committed yet
        store.release_writes()
    finally:
        store.close()
    stored = _stored(path)
    assert stored["a"] == stored["c"] == (1, 1, 1, 1)
    assert stored["b"] == (0, 0, 0, 0)


def test_other_threads_read_what_was_committed_and_the_holder_what_it_wrote(tmp_path: Path) -> None:
    path = tmp_path / "held.db"
    store = open_store(f"sqlite:///{path}")
    try:
        store.hold_writes()
        _save(store, "a")
        seen: list[int] = []
        reader = threading.Thread(target=lambda: seen.append(store.count_items()))
        reader.start()
        reader.join()
        assert (store.count_items(), seen) == (1, [0])
        store.commit_held()
        reader = threading.Thread(target=lambda: seen.append(store.count_items()))
        reader.start()
        reader.join()
        assert seen == [0, 1]
        store.release_writes()
    finally:
        store.close()


_KILLED = """
import os, signal, sys
sys.path.insert(0, {tests!r})
from test_held_writes import _save
from kzfeed.storage import open_store
store = open_store({url!r})
store.hold_writes()
_save(store, "a")
store.commit_held()
_save(store, "b")
_save(store, "c")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_run_killed_while_holding_leaves_the_committed_sources_whole_and_no_other(tmp_path: Path) -> None:
    path = tmp_path / "held.db"
    open_store(f"sqlite:///{path}").close()
    code = _KILLED.format(tests=str(Path(__file__).parent), url=f"sqlite:///{path}")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True)
    assert done.returncode == -9, done.stderr.decode()
    stored = _stored(path)
    assert stored["a"] == (1, 1, 1, 1)
    assert stored["b"] == stored["c"] == (0, 0, 0, 0)
