"""SQLite: a run holds its writes in one transaction, each source's in a SAVEPOINT of it, and
commits them a few dozen sources at a time (``StoreBase.hold_writes``). A source that fails
rolls back only itself; a killed run leaves no source half-stored; other threads read what was
committed, on their own connections."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from factories import make_item
from kzfeed.http import CacheEntry
from kzfeed.models import SourceRun, SourceState, SourceStatus
from kzfeed.storage import SaveCounts, Store, open_store


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


def _disk_full_at_b(monkeypatch: pytest.MonkeyPatch) -> None:
    """Storing source b fails after its items and health row: writing its validators raises."""
    import kzfeed.storage._items as items_module

    real = items_module.write_entries

    def write_entries(conn: object, entries: dict[str, CacheEntry]) -> None:
        if any(".b." in url or "//b." in url for url in entries):
            raise OSError("disk full")
        real(conn, entries)

    monkeypatch.setattr(items_module, "write_entries", write_entries)


def test_a_source_failing_among_held_ones_rolls_back_only_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _disk_full_at_b(monkeypatch)
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


class _Holding:
    """What the committer asks of a store that holds writes, noted."""

    runs_exclusive = True

    def __init__(self) -> None:
        self.calls: list[str] = []

    def hold_writes(self) -> bool:
        self.calls.append("hold")
        return True

    def commit_held(self) -> None:
        self.calls.append("commit")

    def release_writes(self) -> None:
        self.calls.append("release")


def _committer(store: _Holding, run_id: int | None) -> object:
    from kzfeed.pipeline._commit import Committer

    return Committer(
        config=None,  # type: ignore[arg-type]
        host=None,  # type: ignore[arg-type]
        store=store,  # type: ignore[arg-type]
        http_cache=None,  # type: ignore[arg-type]
        classifier=None,  # type: ignore[arg-type]
        policy=None,  # type: ignore[arg-type]
        report_signals={},
        run_id=run_id,
    )


def test_held_sources_are_committed_before_the_run_waits_every_64_and_once_one_and_a_half_seconds_old(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kzfeed.pipeline import _commit

    now = [100.0]
    monkeypatch.setattr(_commit.time, "monotonic", lambda: now[0])
    store = _Holding()
    committer: Any = _committer(store, run_id=1)
    committer.tick(waiting=True)
    assert store.calls == []  # nothing held, nothing to commit
    committer._hold()  # a source is about to be saved
    committer.tick(waiting=False)
    assert store.calls == ["hold"]
    now[0] += 1.4  # items of other sources prepared meanwhile
    committer.tick(waiting=False)
    assert store.calls == ["hold"]
    now[0] += 0.2
    committer.tick(waiting=False)
    assert store.calls == ["hold", "commit"]
    committer._hold()
    committer.tick(waiting=True)  # the run waits for a fetch
    assert store.calls == ["hold", "commit", "commit"]
    for _ in range(65):
        committer._hold()
    assert store.calls == ["hold", "commit", "commit", "commit"]  # the 65th after 64 held
    committer.release()
    committer.release()
    assert store.calls == ["hold", "commit", "commit", "commit", "release"]


def test_without_the_run_lock_nothing_is_held(monkeypatch: pytest.MonkeyPatch) -> None:
    store = _Holding()
    committer: Any = _committer(store, run_id=None)  # PostgreSQL: the caller writes the run's lines
    committer._hold()
    committer.tick(waiting=True)
    committer.release()
    assert store.calls == []


def _index(path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """(the full-text index's entries, those the stored items call for), by key."""
    conn = sqlite3.connect(path)
    try:
        entries = conn.execute("SELECT rowid, item_id, title FROM items_fts ORDER BY rowid").fetchall()
        wanted = conn.execute(
            "SELECT k.fts_rowid, i.id, i.title FROM items AS i JOIN items_fts_keys AS k ON k.item_id = i.id "
            "ORDER BY k.fts_rowid"
        ).fetchall()
        return entries, wanted
    finally:
        conn.close()


def test_held_sources_are_indexed_for_search_at_each_commit_in_one_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Their full-text entries are written as the held transaction commits, all at once (inside
    each source's SAVEPOINT, SQLite made each source's entries a segment of the index of their
    own); a source rolled back leaves none, and every item committed is found."""
    _disk_full_at_b(monkeypatch)
    path = tmp_path / "held.db"
    store = open_store(f"sqlite:///{path}")
    try:
        assert store.hold_writes()
        held = store._engine._held  # type: ignore[attr-defined]
        segments: list[str] = []  # the index's segment writes, as SQLite traces them
        held.connection.driver_connection.set_trace_callback(
            lambda sql: segments.append(sql) if "'items_fts_data'" in sql and "REPLACE" in sql else None
        )
        _save(store, "a")
        with pytest.raises(OSError, match="disk full"):
            _save(store, "b")
        for name in ("c", "d", "e", "f"):
            _save(store, name)
        before_commit = len(segments)
        store.commit_held()
        assert before_commit == 0
        _save(store, "g")
        store.release_writes()
    finally:
        store.close()
    entries, wanted = _index(path)
    assert entries == wanted
    assert sorted(title for _, _, title in entries) == [f"Report of {n}" for n in "acdefg"]
    with open_store(f"sqlite:///{path}") as reopened:
        assert len(reopened.search_items("Report", relevant_only=False)) == 6


def _bookkeeping(path: Path) -> dict[str, tuple[int, int, int, int]]:
    """Per source: its health rows with a due time, validators, run lines and story signals."""
    conn = sqlite3.connect(path)
    try:
        return {
            name: (
                conn.execute(
                    "SELECT count(*) FROM sources WHERE name = ? AND due_at IS NOT NULL", [name]
                ).fetchone()[0],
                conn.execute(
                    "SELECT count(*) FROM http_cache WHERE url LIKE ?", [f"https://{name}.%"]
                ).fetchone()[0],
                conn.execute("SELECT count(*) FROM run_sources WHERE source = ?", [name]).fetchone()[0],
                conn.execute(
                    "SELECT count(*) FROM story_signals JOIN items ON items.id = item_id WHERE source = ?",
                    [name],
                ).fetchone()[0],
            )
            for name in "abc"
        }
    finally:
        conn.close()


def test_held_sources_bookkeeping_rows_are_written_as_it_commits_and_a_rolled_back_source_leaves_none(
    tmp_path: Path,
) -> None:
    """The rows nothing reads before the held transaction commits (a source's health row and due
    time, validators, run line, its items' story signals) are written as it commits, each
    table's for every source held; a source whose save fails after asking for them (making its
    run line raises) leaves none."""
    path = tmp_path / "held.db"
    store = open_store(f"sqlite:///{path}")
    try:
        run_id = store.start_run(datetime.now(UTC))
        assert store.hold_writes()
        held = store._engine._held  # type: ignore[attr-defined]
        tables = ("sources", "http_cache", "run_sources", "story_signals")
        written: list[str] = []  # the statements writing those tables, as SQLite traces them
        held.connection.driver_connection.set_trace_callback(
            lambda sql: written.append(sql) if any(f" {t} " in sql for t in tables) else None
        )

        def save(name: str) -> None:
            item = make_item(f"{name}.txt", source=name, title=f"Report of {name}")

            def line(counts: SaveCounts) -> SourceRun:
                if name == "b":
                    raise OSError("disk full")
                return SourceRun(source=name, status=SourceStatus.OK, new=counts.new)

            store.save_source(
                state=SourceState(name=name, type="files"),
                config_hash="x",
                batch=[item],
                ok=True,
                validators={f"https://{name}.example/feed": CacheEntry(etag=f'"{name}"', last_status=200)},
                signals=[(item.id, item.content_hash, "1", "{}")],
                record=(run_id, line),
                due_in=60.0,
            )

        save("a")
        with pytest.raises(OSError, match="disk full"):
            save("b")
        save("c")
        assert written == []
        store.commit_held()
        assert written
        store.release_writes()
    finally:
        store.close()
    assert _bookkeeping(path) == {"a": (1, 1, 1, 1), "b": (0, 0, 0, 0), "c": (1, 1, 1, 1)}
