"""On SQLite a source's rows are written through the connection's ``sqlite3`` cursor
(``kzfeed.storage._direct``): they must be the rows SQLAlchemy's statements write, value for
value and type for type, in every table a stored source touches."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.exc import StatementError

from factories import make_item
from kzfeed.models import CacheEntry, SourceRun, SourceState, SourceStatus
from kzfeed.storage import _direct, open_store
from kzfeed.storage._direct import select_rows
from kzfeed.storage._items import _STORED_OR_GUIDS
from kzfeed.storage._records import Arrived
from kzfeed.storage._runrows import SaveCounts
from kzfeed.storage._storyrows import _MEMBERS, _TOPICS

T0 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
T1 = datetime(2025, 3, 14, 9, 15, 30, 250000, tzinfo=UTC)


def _line(name: str) -> object:
    def made(counts: SaveCounts) -> SourceRun:
        status = SourceStatus.OK if counts.new or counts.updated else SourceStatus.NOT_MODIFIED
        return SourceRun(source=name, status=status, new=counts.new, updated=counts.updated, duration_s=0.25)

    return made


def _store_sources(url: str) -> None:
    """Two runs' worth of saving: new items, a changed one, a story merge, validators replaced,
    a failing source's first health row, a run's lines written and replaced."""
    store = open_store(url)
    with store:
        run = store.start_run(T0)
        first = [
            make_item("a.txt", published=T0),
            make_item("b.txt", title="Kazakhstan opens a lithium mine", topics=("raw_materials", "energy")),
            make_item("c.txt", title="Almaty hosts a trade fair", relevant=False, topics=()),
        ]
        signals = [(item.id, item.content_hash, 1, f'{{"n": {n}}}') for n, item in enumerate(first)]
        store.save_source(
            state=SourceState(name="feed", type="rss", url="http://x/feed", etag='"v1"', last_ok=T0),
            config_hash="h1",
            batch=first,
            ok=True,
            now=T0,
            validators={"http://x/feed": CacheEntry(etag='"v1"', expires=T1, last_status=200)},
            signals=signals,
            record=(run, _line("feed")),  # type: ignore[arg-type]
            due_in=600.0,
        )
        changed = replace(first[0], title="Kazakhstan and the EU sign a lithium deal", story_id=first[1].id)
        store.save_source(
            state=SourceState(name="feed", type="rss", url="http://x/feed", etag='"v2"', last_ok=T1),
            config_hash="h2",
            batch=[changed, replace(make_item("d.txt", title="A new report"), story_id=first[1].id)],
            ok=True,
            now=T1,
            merges={first[2].id: first[1].id},
            validators={"http://x/feed": CacheEntry(etag='"v2"', retry_after=T1, last_status=200)},
            record=(run, _line("feed")),  # type: ignore[arg-type]
            due_in=None,
        )
        store.save_source(
            state=SourceState(name="broken", type="rss", consecutive_failures=1, last_error="HTTP 500"),
            config_hash="h3",
            batch=[],
            ok=False,
            validators={"http://y/feed": CacheEntry(last_status=500)},
            record=(run, _line("broken")),  # type: ignore[arg-type]
        )


def _tables(path: Path) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, each value as SQLite quotes it (so 1 and 1.0, or '1' and 1,
    differ), sorted."""
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {}
        for name in names:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
            quoted = ", ".join(f'quote("{c}")' for c in columns)
            found[name] = sorted(conn.execute(f'SELECT {quoted} FROM "{name}"').fetchall())
        return found
    finally:
        conn.close()


def test_a_sources_rows_are_the_rows_sqlalchemy_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frozen_clock: object
) -> None:
    _store_sources(f"sqlite:///{tmp_path / 'direct.db'}")
    monkeypatch.setattr(_direct, "DIRECT", set())  # every write by SQLAlchemy's statements
    _store_sources(f"sqlite:///{tmp_path / 'sqlalchemy.db'}")
    direct, through_sqlalchemy = _tables(tmp_path / "direct.db"), _tables(tmp_path / "sqlalchemy.db")
    for table in ("items", "item_topics", "item_entities", "story_signals", "stories", "story_topics"):
        assert direct[table], table  # the saves above wrote some: the comparison compares
    for table in ("sources", "http_cache", "run_sources", "items_fts_keys"):
        assert direct[table], table
    assert direct == through_sqlalchemy


def test_a_value_sqlalchemy_refuses_is_refused_alike_and_nothing_is_stored(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'kzfeed.db'}")
    with store:
        store.save_source(state=SourceState(name="feed", type="rss"), config_hash="h", batch=[], ok=True)
        naive = replace(make_item("b.txt"), published=datetime(2025, 1, 1))
        with pytest.raises(StatementError, match="naive datetime"):
            store.save_source(
                state=SourceState(name="feed", type="rss", items_last_run=2),
                config_hash="h",
                batch=[make_item("a.txt"), naive],
                ok=True,
            )
        assert store.count_items() == 0
        assert store.source_state("feed").items_last_run == 0


def test_the_reads_of_storing_a_source_are_the_rows_sqlalchemy_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frozen_clock: object
) -> None:
    """The story keys (each kind of condition, with and without ``Arrived``), a story's members
    and their topics, and a batch's stored rows and guids, read through the cursor on SQLite:
    the same rows, values and types as SQLAlchemy's."""
    url = f"sqlite:///{tmp_path / 'kzfeed.db'}"
    _store_sources(url)
    store = open_store(url)

    def read() -> list[object]:
        stored = store.items(relevant=None)
        ids = sorted(item.id for item in stored)
        day = timedelta(days=1)
        found: list[object] = []
        for arrived in (None, Arrived(first_seen=T1, ids=ids[:1])):
            found.append(
                store.story_keys(
                    ids=ids[:2],
                    hashes=[stored[0].content_hash],
                    urls=[item.canonical_url for item in stored if item.canonical_url],
                    guids=["a.txt", "d.txt", "none"],
                    spans=[(T0 - day, T1 + day)],
                    undated=True,
                    arrived=arrived,
                )
            )
        with store._engine.connect() as conn:
            found.append([tuple(row) for row in select_rows(conn, _MEMBERS, {"keys": ids})])
            found.append([tuple(row) for row in select_rows(conn, _TOPICS, {"ids": ids})])
            bound = {"ids": [*ids, "none"], "source": "test", "guids": ["a.txt", "b.txt", "none"]}
            found.append([row._asdict() for row in select_rows(conn, _STORED_OR_GUIDS, bound)])
        return found

    with store:
        direct = read()
        monkeypatch.setattr(_direct, "DIRECT", set())
        through_sqlalchemy = read()
    assert all(direct), direct  # each read found rows: the comparison compares
    assert [[(type(v), v) for v in _values(part)] for part in direct] == [
        [(type(v), v) for v in _values(part)] for part in through_sqlalchemy
    ]


def _values(found: object) -> list[object]:
    """Every value in ``found`` (lists of keys, tuples or mappings), in order."""
    if isinstance(found, dict):  # its keys as text (SQLAlchemy's are a subclass of str)
        return [v for key, value in found.items() for v in (str(key), *_values(value))]
    if isinstance(found, list | tuple):
        return [v for item in found for v in _values(item)]
    if hasattr(found, "__dataclass_fields__"):
        return _values([getattr(found, name) for name in found.__dataclass_fields__])
    return [found]


def test_a_time_is_bound_as_sqlalchemy_binds_it() -> None:
    """A ``UTCDateTime`` value written through the cursor is the text SQLAlchemy's processors
    (the type's own, then SQLite's ``DATETIME``) make of it, in any zone and at any precision;
    a naive one is refused with the same message."""
    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

    from kzfeed.storage._schema import items

    dialect = SQLiteDialect_pysqlite()
    column = items.c.first_seen
    direct = _direct._processor(column, dialect)
    assert direct is _direct._sqlite_time  # the fast path, not SQLAlchemy's
    sqlalchemy = column.type.dialect_impl(dialect).bind_processor(dialect)
    assert sqlalchemy is not None
    zones = [UTC, timezone(timedelta(hours=5)), timezone(timedelta(hours=-9, minutes=-30))]
    times = [
        datetime(1, 1, 2, tzinfo=UTC),
        datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=zones[1]),
        datetime(2025, 3, 14, 9, 15, 30, 250000, tzinfo=zones[2]),
        datetime(9999, 12, 30, 0, 0, 0, 1, tzinfo=UTC),
        T0,
        T1,
    ]
    times += [t.astimezone(zone) for t in times[2:] for zone in zones]
    assert [direct(t) for t in [*times, None]] == [sqlalchemy(t) for t in [*times, None]]

    def refused(process: Callable[[datetime], object]) -> str:
        with pytest.raises(ValueError) as refusal:
            process(datetime(2025, 3, 14, 9, 0))
        return str(refusal.value)

    assert refused(direct) == refused(sqlalchemy)
    assert "timezone-aware" in refused(direct)
