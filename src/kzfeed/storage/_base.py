"""What every part of the Store shares: the engine (private to ``kzfeed.storage``) and its life."""

from __future__ import annotations

import functools
import hashlib
import importlib
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any, Self, TypeVar

from sqlalchemy import Connection, Engine, Table

__all__ = ["StoreBase", "advisory_key", "at_commit", "chunks", "like_prefix", "upsert"]

T = TypeVar("T")
#: a write left to the held transaction's commit: its function, and one of the values it writes
_Deferred = tuple[Callable[[Connection, list[Any]], None], Any]


class StoreBase:
    """The engine behind a :class:`~kzfeed.storage.Store`; each table group adds a mixin on top."""

    _engine: Engine

    def __init__(self, engine: Engine) -> None:
        # SQLite: a run may hold its writes in one transaction (``hold_writes``)
        if engine.dialect.name == "sqlite":
            engine.__class__ = HeldEngine
        self._engine = engine

    def hold_writes(self) -> bool:
        """SQLite: from now until :meth:`release_writes`, what this thread writes and reads goes
        through one connection in one transaction, committed by :meth:`commit_held` (each
        transaction a store method opens is a SAVEPOINT in it: one that fails rolls back only
        itself). A run stores each source in a transaction of its own, but commits them a few
        dozen at a time: a commit costs more than storing a source of one item, and a killed
        run still leaves no source half-stored. Returns whether writes are held (not on
        PostgreSQL, where each source's transaction commits with its claim)."""
        held = self._engine
        if not isinstance(held, HeldEngine):
            return False
        held.hold()
        return True

    def commit_held(self) -> None:
        """Commit what is held (if anything) and hold on."""
        held = self._engine
        if isinstance(held, HeldEngine):
            held.commit()

    def release_writes(self) -> None:
        """Commit what is held and stop holding (a failed commit is rolled back, then raised)."""
        held = self._engine
        if isinstance(held, HeldEngine):
            held.release()

    @property
    def backend(self) -> str:
        """The database kind: ``"sqlite"`` or ``"postgresql"``."""
        return str(self._engine.dialect.name)

    @functools.cached_property
    def _autocommit(self) -> Engine:
        """The engine whose statements each commit by themselves: no BEGIN and COMMIT round
        trips around a statement that is a transaction alone (PostgreSQL workers' host turns
        and finished sources, several per source)."""
        return self._engine.execution_options(isolation_level="AUTOCOMMIT")

    def close(self) -> None:
        """Close every connection of this store."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class HeldEngine(Engine):
    """A SQLite store's engine (its class is made this one): SQLAlchemy's, but while one
    thread holds its writes (:meth:`StoreBase.hold_writes`) that thread's ``begin()`` is a
    SAVEPOINT of the held transaction and its ``connect()`` that transaction's connection (left
    open). Other threads (fetching threads reading the HTTP cache) use the engine's other
    connections as before. What :func:`at_commit` left to the commit is written just before it."""

    _held: Connection | None = None
    _holder = 0
    #: the writes left to the next commit, in the order they were asked for
    _deferred: list[_Deferred]

    def _mine(self) -> Connection | None:
        held = self._held
        return held if held is not None and threading.get_ident() == self._holder else None

    def begin(self) -> Any:
        conn = self._mine()
        return super().begin() if conn is None else _savepoint(conn, self._deferred)

    def connect(self) -> Any:
        conn = self._mine()
        return super().connect() if conn is None else _Borrowed(conn)

    def hold(self) -> None:
        if self._held is not None:
            return
        conn = super().connect()
        try:
            conn.begin()
            # an explicit BEGIN: the ``sqlite3`` module begins a transaction by itself only
            # before INSERT, UPDATE and DELETE, and a SAVEPOINT outside one would be the
            # transaction (its RELEASE a commit)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            conn.close()
            raise
        self._deferred = []
        self._held, self._holder = conn, threading.get_ident()

    def commit(self) -> None:
        conn = self._held
        if conn is not None:
            self._write_deferred(conn)
            conn.commit()
            conn.begin()
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    def release(self) -> None:
        conn = self._held
        if conn is None:
            return
        self._held = None
        try:
            self._write_deferred(conn)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            self._deferred.clear()
            conn.close()

    def _write_deferred(self, conn: Connection) -> None:
        """Each deferred write once, with all its values (in the order given)."""
        values: dict[Callable[[Connection, list[Any]], None], list[Any]] = {}
        for write, value in self._deferred:
            values.setdefault(write, []).append(value)
        self._deferred.clear()
        for write, given in values.items():
            write(conn, given)


def at_commit(conn: Connection, write: Callable[[Connection, list[T]], None], values: Sequence[T]) -> None:
    """``write(conn, values)`` now; or, when ``conn`` is the held transaction's (a run on SQLite:
    :meth:`StoreBase.hold_writes`), once just before that transaction commits, with the values
    of every call for ``write`` since its last commit (those of a SAVEPOINT rolled back are
    dropped with it). For writes that cost less done once for many sources: a full-text
    index's entries, flushed by SQLite at each SAVEPOINT when written inside one."""
    engine = conn.engine
    if isinstance(engine, HeldEngine) and engine._mine() is conn:
        engine._deferred.extend((write, value) for value in values)
    else:
        write(conn, list(values))


@contextmanager
def _savepoint(conn: Connection, deferred: list[_Deferred]) -> Iterator[Connection]:
    """A SAVEPOINT of the held transaction around the block, on the ``sqlite3`` connection
    (SQLAlchemy's ``begin_nested`` costs as much as the commit it saves): released at its end,
    rolled back to (and released) when it raises, with the writes it left to the commit."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    mark = len(deferred)
    cursor.execute("SAVEPOINT kzfeed_held")
    try:
        yield conn
    except BaseException:
        del deferred[mark:]
        with suppress(sqlite3.Error):  # SQLite may have rolled the whole transaction back
            cursor.execute("ROLLBACK TO kzfeed_held")
            cursor.execute("RELEASE kzfeed_held")
        raise
    cursor.execute("RELEASE kzfeed_held")


class _Borrowed:
    """The held connection as ``engine.connect()`` gives one, but left open at the block's end."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def __enter__(self) -> Connection:
        return self._conn

    def __exit__(self, *_exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def advisory_key(name: str) -> int:
    """The PostgreSQL advisory lock key (a signed 64-bit number) of the lock called ``name``."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def like_prefix(prefix: str) -> str:
    """A ``LIKE`` pattern (with ``escape="\\"``) for values starting with ``prefix``."""
    return prefix.replace("%", r"\%") + "%"


def chunks(seq: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    """``seq`` in slices of ``size``: an ``IN (...)`` list stays under the backends' limits."""
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


@functools.lru_cache(maxsize=16)
def upsert(dialect: str, table: Table) -> Any:
    """The INSERT of rows of ``table`` that replaces the other columns of a row whose primary
    key is stored (``ON CONFLICT ... DO UPDATE``, SQLite and PostgreSQL alike): one statement
    where a SELECT of the keys stored, then an UPDATE and an INSERT, took three. Built once per
    table; None for another database (the caller does it in three)."""
    if dialect not in ("sqlite", "postgresql"):
        return None
    # only the database's own dialect (importing PostgreSQL's costs a SQLite run ~50 ms)
    statement = importlib.import_module(f"sqlalchemy.dialects.{dialect}").insert(table)
    keys = list(table.primary_key.columns)
    others = {c.name: statement.excluded[c.name] for c in table.columns if c not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=others)
