"""A source's rows written on SQLite straight through the connection's ``sqlite3`` cursor.

A run stores each source that brings items in a transaction of its own: about ten INSERT,
DELETE and UPDATE statements (the items, their topics and entities, their story signals, the
story rows, the health row, the HTTP validators, the run's line). SQLAlchemy's execution of a
prebuilt statement costs ~90 µs of Python besides the statement (an execution context, the
parameters processed, a result), as much as SQLite's own work on a row of a small table: at
1,000 one-entry feeds, about a second of the main thread. On SQLite these writes go to a cursor
of the same DBAPI connection (so the same transaction), each value converted by its column
type's own bind processor, SQLAlchemy's (so the rows are the same, which
``tests/test_direct_writes.py`` checks against SQLAlchemy's statements); the database errors
that ``_errors`` explains are explained the same way. Other databases run SQLAlchemy's
statements, as before.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Column,
    CompoundSelect,
    Connection,
    Dialect,
    Select,
    Table,
    bindparam,
    delete,
    insert,
    update,
)
from sqlalchemy.exc import StatementError

from kzfeed.storage._base import upsert
from kzfeed.storage._errors import explain_database_error
from kzfeed.storage._schema import UTCDateTime

__all__ = ["DIRECT", "delete_in", "insert_rows", "run_sql", "select_rows", "update_row", "update_rows"]

#: the databases written directly (the tests empty it to compare with SQLAlchemy's statements)
DIRECT = {"sqlite"}

#: a column's bind processor (None: the value is sent as it is)
_Processor = Callable[[Any], Any] | None


def insert_rows(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, replace: bool = False
) -> None:
    """INSERT ``rows`` (mappings with the same keys) into ``table``; with ``replace``, a row
    whose primary key is stored has its other columns replaced (as :func:`upsert`)."""
    if not rows:
        return
    if conn.dialect.name not in DIRECT:
        conn.execute(upsert(conn.dialect.name, table) if replace else _insert(table), list(rows))
        return
    keys = tuple(rows[0])
    sql, processors = _insert_plan(table, keys, replace, conn.dialect)
    _run(conn, sql, _bound(sql, rows, keys, processors))


def update_row(conn: Connection, table: Table, key: str, row: Mapping[str, Any]) -> int:
    """UPDATE the columns of ``row`` (but ``key``) of the row of ``table`` whose ``key`` column
    is ``row[key]``; how many rows changed (0: none by that key)."""
    return update_rows(conn, table, key, [row])


def update_rows(conn: Connection, table: Table, key: str, rows: Sequence[Mapping[str, Any]]) -> int:
    """:func:`update_row` for each of ``rows`` (mappings with the same keys), in one statement
    run once per row; how many rows changed in all."""
    if not rows:
        return 0
    columns = tuple(k for k in rows[0] if k != key)
    if conn.dialect.name not in DIRECT:  # one at a time: a driver's executemany may not count
        statement = _update(table, key, columns)
        return sum(int(conn.execute(statement, {**row, "b_key": row[key]}).rowcount) for row in rows)
    sql, processors = _update_plan(table, key, columns, conn.dialect)
    return int(_run(conn, sql, _bound(sql, rows, (*columns, key), processors)).rowcount)


def delete_in(conn: Connection, column: Column[Any], values: Collection[Any]) -> None:
    """DELETE the rows of ``column``'s table whose ``column`` (of text) is one of ``values``."""
    if not values:
        return
    if conn.dialect.name not in DIRECT:
        conn.execute(_delete(column), {"values": list(values)})
        return
    # the values as one parameter, a JSON array: one prepared statement whatever their number
    # (an ``IN (?, ?, …)`` of each length would be a statement of its own in the driver's cache)
    sql = f"DELETE FROM {column.table.name} WHERE {column.name} IN (SELECT value FROM json_each(?))"
    _run(conn, sql, [(json.dumps([str(v) for v in values], ensure_ascii=False),)])


def select_rows(
    conn: Connection, statement: Select[Any] | CompoundSelect[Any], params: Mapping[str, Any]
) -> Iterable[Any]:
    """The rows of ``statement`` (a SELECT, or a UNION ALL of them, built once: its lists are
    expanding bound values) with ``params``, each with its columns as attributes. On SQLite
    read through the cursor: each list is one parameter, a JSON array read with ``json_each``
    (one prepared statement whatever the list's length), the values bound and the columns read
    by their types' SQLAlchemy processors."""
    if conn.dialect.name not in DIRECT:
        return conn.execute(statement, dict(params))
    sql, binds, columns, row = _select_plan(statement, conn.dialect)
    bound = tuple(
        json.dumps(list(params[name]), ensure_ascii=False)
        if listed
        else params[name]
        if p is None
        else p(params[name])
        for name, listed, p in binds
    )
    got = _run(conn, sql, [bound]).fetchall()
    return [
        row(*(v if p is None or v is None else p(v) for v, p in zip(r, columns, strict=True))) for r in got
    ]


@lru_cache(maxsize=256)
def _select_plan(
    statement: Select[Any] | CompoundSelect[Any], dialect: Dialect
) -> tuple[str, tuple[tuple[str, bool, _Processor], ...], tuple[_Processor, ...], Any]:
    """The SQL of ``statement`` with each expanding list read from a JSON array; for each
    parameter in order, its name, whether it is a list, and its processor; the processor of
    each column read, and the row type."""
    compiled = statement.compile(dialect=dialect)
    sql = re.sub(r"\(__\[POSTCOMPILE_\w+\]\)", "(SELECT value FROM json_each(?))", compiled.string)
    binds = []
    for name in compiled.positiontup or ():
        bind = compiled.binds[name]
        binds.append(
            (name, bool(bind.expanding), None if bind.expanding else _type_processor(bind.type, dialect))
        )
    selected = list(statement.selected_columns)
    columns = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in selected)
    return sql, tuple(binds), columns, namedtuple("Row", [c.key for c in selected])  # type: ignore[misc]


def _type_processor(type_: Any, dialect: Dialect) -> _Processor:
    if isinstance(type_, UTCDateTime) and dialect.name == "sqlite":
        impl = type_.impl_instance.dialect_impl(dialect)
        if getattr(impl, "_storage_format", None) == _SQLITE_TIME:
            return _sqlite_time
    return type_.dialect_impl(dialect).bind_processor(dialect)  # type: ignore[no-any-return]


#: how SQLAlchemy's SQLite ``DATETIME`` writes a time (its default storage format)
_SQLITE_TIME = "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"


def _sqlite_time(value: datetime | None) -> str | None:
    """What SQLAlchemy binds for a ``UTCDateTime`` on SQLite (``UTCDateTime.process_bind_param``,
    then ``DATETIME``'s format), in one step at half the cost: a run binds a dozen times a source."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} given to the database; make it timezone-aware")
    t = value.astimezone(UTC)
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031 (SQLAlchemy's own format)
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.microsecond,
    )


# SQLAlchemy's statements (other databases), built once: building one costs more than running it


@lru_cache(maxsize=32)
def _insert(table: Table) -> Any:
    return insert(table)


@lru_cache(maxsize=16)
def _update(table: Table, key: str, columns: tuple[str, ...]) -> Any:
    return update(table).where(table.c[key] == bindparam("b_key")).values({k: bindparam(k) for k in columns})


@lru_cache(maxsize=16)
def _delete(column: Column[Any]) -> Any:
    return delete(column.table).where(column.in_(bindparam("values", expanding=True)))


def _bound(
    sql: str, rows: Sequence[Mapping[str, Any]], keys: Sequence[str], processors: Sequence[_Processor]
) -> list[tuple[Any, ...]]:
    """The values of ``rows`` as SQLAlchemy sends them; a value a processor refuses (a naive
    datetime) is the ``StatementError`` SQLAlchemy raises for it."""
    try:
        return [
            tuple(row[k] if p is None else p(row[k]) for k, p in zip(keys, processors, strict=True))
            for row in rows
        ]
    except Exception as exc:
        raise StatementError(f"({type(exc).__module__}.{type(exc).__name__}) {exc}", sql, None, exc) from exc


def _processor(column: Column[Any], dialect: Dialect) -> _Processor:
    """What SQLAlchemy does to a value of ``column`` before it sends it (its type on ``dialect``)."""
    return _type_processor(column.type, dialect)


@lru_cache(maxsize=64)
def _insert_plan(
    table: Table, keys: tuple[str, ...], replace: bool, dialect: Dialect
) -> tuple[str, list[_Processor]]:
    """The INSERT (or upsert: every other column set from ``excluded``, as :func:`upsert`)
    of ``keys`` into ``table``, and the processors of its values."""
    sql = f"INSERT INTO {table.name} ({', '.join(keys)}) VALUES ({', '.join('?' * len(keys))})"
    if replace:
        primary = [c.name for c in table.primary_key.columns]
        others = [c.name for c in table.columns if c.name not in primary]
        sets = ", ".join(f"{name} = excluded.{name}" for name in others)
        sql += f" ON CONFLICT ({', '.join(primary)}) DO UPDATE SET {sets}"
    return sql, [_processor(table.c[k], dialect) for k in keys]


@lru_cache(maxsize=16)
def _update_plan(
    table: Table, key: str, columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, list[_Processor]]:
    sets = ", ".join(f"{name} = ?" for name in columns)
    sql = f"UPDATE {table.name} SET {sets} WHERE {key} = ?"
    return sql, [_processor(table.c[k], dialect) for k in (*columns, key)]


def run_sql(conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> sqlite3.Cursor:
    """SQLite: ``sql`` (SQLite's own text) once per row of values of ``rows``, in the caller's
    transaction; a failure explained as the store explains it."""
    return _run(conn, sql, rows)


def _run(conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> sqlite3.Cursor:
    """``sql`` once per row of ``rows`` on ``conn``'s own ``sqlite3`` connection, in its
    transaction; a failure explained as the store explains it."""
    cursor: sqlite3.Cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if len(rows) == 1:
            cursor.execute(sql, rows[0])
        else:
            cursor.executemany(sql, rows)
    except sqlite3.Error as exc:
        explained = explain_database_error(exc, conn.engine.url)
        if explained is not None:
            raise explained from exc
        raise
    return cursor
