"""Counting SQLite's virtual-machine steps: how much a statement reads, without timing it."""

from __future__ import annotations

import sqlite3

from sqlalchemy import Engine, event


class VmSteps:
    """Counts every step of the SQLite connections it watches (``count``)."""

    def __init__(self) -> None:
        self.count = 0

    def _step(self) -> int:
        self.count += 1
        return 0  # go on

    def watch(self, conn: sqlite3.Connection) -> None:
        conn.set_progress_handler(self._step, 1)

    def watch_engine(self, engine: Engine) -> None:
        """Watch every connection ``engine`` opens from now on (dispose of its pool first)."""
        event.listen(engine, "connect", lambda dbapi, _record: self.watch(dbapi))


def steps_of(conn: sqlite3.Connection, sql: str, params: tuple[str, ...]) -> int:
    """The steps one statement (with its triggers) takes on ``conn``."""
    counter = VmSteps()
    counter.watch(conn)
    try:
        conn.execute(sql, params).fetchall()
    finally:
        conn.set_progress_handler(None, 1)
    return counter.count
