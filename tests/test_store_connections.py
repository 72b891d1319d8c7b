"""A SQLite store's connections: each keeps its own page cache and prepared statements, so a
run's memory grows with how many are kept and how many of them one thread goes through."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import event

from factories import make_item
from kzfeed.models import SourceState
from kzfeed.storage import open_store


def test_a_sqlite_store_keeps_two_connections_and_one_thread_reuses_the_same(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'kzfeed.db'}")
    engine = store._engine
    opened: list[object] = []
    used: list[object] = []
    event.listen(engine, "connect", lambda dbapi, _record: opened.append(dbapi))
    event.listen(engine, "checkout", lambda dbapi, _record, _proxy: used.append(dbapi))
    try:
        # eight fetching threads reading their sources' stored items at once
        together = threading.Barrier(8)

        def read(n: int) -> None:
            with engine.connect():
                together.wait(timeout=10)
            store.known_hashes(f"feed{n}")

        threads = [threading.Thread(target=read, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(opened) >= 7  # all eight were served at once (one was open already)
        assert engine.pool.checkedin() == 2  # and only two are kept
        # one thread storing and reading, as the run's main thread and the renderer do: always
        # the same connection, so each statement is prepared in one connection's cache, not five
        used.clear()
        before = len(opened)
        for n in range(6):
            state = SourceState(name=f"feed{n}", type="files")
            store.save_source(
                state=state, config_hash="x", batch=[make_item(guid=f"g{n}", source=f"feed{n}")], ok=True
            )
            assert store.known_hashes(f"feed{n}")
        assert len({id(c) for c in used}) == 1
        assert len(opened) == before  # no connection opened again
    finally:
        store.close()


def test_an_in_memory_sqlite_store_still_opens(tmp_path: Path) -> None:
    store = open_store("sqlite:///:memory:")
    try:
        assert store.known_hashes("feed") == {}
    finally:
        store.close()
