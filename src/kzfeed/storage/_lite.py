"""A small path on the standard library's ``sqlite3`` for SQLite databases at the newest schema:
the reads of ``kzfeed status`` and what a ``kzfeed run`` needs to find that nothing is due.

Importing SQLAlchemy takes 0.15 s on a quiet machine (0.3–0.4 s on a loaded one), more than
the rest of such a command. So :func:`open_quick` opens a SQLite file with ``sqlite3`` when its
``alembic_version`` is the newest shipped revision; for anything else (PostgreSQL, a database
not created yet, migrations pending, an unusual URL, a file that cannot be read) it returns
None and the caller opens the full :class:`~kzfeed.storage.Store`, which migrates and explains
errors. The reads run the same SQL text as the full store (``_records``); the one write is the
record of a run that found nothing to do (``runs``, as the full run leaves it). Tests run both
paths on the same databases and compare what they give.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote, unquote

from kzfeed import clock
from kzfeed.errors import StorageError
from kzfeed.models import SourceState
from kzfeed.storage._revisions import shipped_head
from kzfeed.storage._times import sql_time, utc

if TYPE_CHECKING:
    from kzfeed.storage._protocol import RunLock
    from kzfeed.storage._records import FleetStatus, RunRecord

__all__ = ["QuickStore", "connect_at_head", "open_quick", "sqlite_path"]

_SCHEMES = ("sqlite:///", "sqlite+pysqlite:///")
#: what a run with nothing to do reads of each source
_IDLE_SQL = "SELECT name, config_hash, paused, next_due, due_at, lease_owner FROM sources"
_RUNNING_SQL = "SELECT count(*) FROM runs WHERE status = 'running'"
_IDLE_RUN_SQL = (
    "INSERT INTO runs (started_at, finished_at, status, worker, new, updated, unchanged, failed) "
    "VALUES (:started, :finished, 'ok', :worker, 0, 0, 0, 0)"
)


def sqlite_path(url: str) -> Path | None:
    """The file of a plain SQLite URL (``sqlite:////abs/path.db``), as SQLAlchemy reads it;
    None for any other database or form (in memory, ``file:`` URIs, query options)."""
    scheme = next((s for s in _SCHEMES if url.startswith(s)), None)
    if scheme is None or "?" in url:
        return None
    database = unquote(url[len(scheme) :])
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def open_quick(url: str) -> QuickStore | None:
    """The ``sqlite3`` reader of the SQLite file at ``url`` when it exists and its schema is at
    the newest shipped revision; None otherwise (open the full store)."""
    found = connect_at_head(url)
    return None if found is None else QuickStore(*found)


def connect_at_head(url: str, *, threads: bool = False) -> tuple[Path, sqlite3.Connection] | None:
    """The file of the SQLite URL ``url`` and a connection to it (autocommit, rows by name;
    usable from any thread with ``threads``, the caller serialising), when it exists and its
    schema is at the newest shipped revision; None otherwise."""
    path = sqlite_path(url)
    head = shipped_head()
    if path is None or head is None or not path.is_file():
        return None
    try:
        conn = sqlite3.connect(
            f"file:{quote(str(path.resolve()))}?mode=rw",
            uri=True,
            timeout=30.0,
            isolation_level=None,
            check_same_thread=not threads,
        )
    except sqlite3.Error:
        return None
    conn.row_factory = sqlite3.Row
    try:
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'").fetchone()[
            0
        ]
        stored = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")] if tables else []
    except sqlite3.Error:  # not a database, damaged, locked for long: the full store says so
        stored = []
    if stored != [head]:
        conn.close()
        return None
    return path, conn


class QuickStore:
    """Reads of a SQLite database at the newest schema on ``sqlite3`` (see the module)."""

    #: one run at a time under the file lock, as the full store on SQLite
    runs_exclusive = True
    backend = "sqlite"

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self._conn
        except sqlite3.Error as exc:
            raise StorageError(
                f"cannot read database {str(self.path)!r} ({exc}); check the file, or run "
                "'kzfeed db upgrade' to see what is wrong with it"
            ) from exc

    def last_runs(self, limit: int = 10) -> list[RunRecord]:
        """As :meth:`Store.last_runs <kzfeed.storage.StoreProtocol.last_runs>`."""
        from kzfeed.storage._records import RUN_SOURCES_SQL, RUNS_SQL, run_records  # not for a run

        with self._reading() as conn:
            rows = conn.execute(RUNS_SQL, {"limit": limit}).fetchall()
            done: list[Any] = []
            if rows:
                span = {"oldest": rows[-1]["id"], "newest": rows[0]["id"]}
                done = conn.execute(RUN_SOURCES_SQL, span).fetchall()
        return run_records(rows, done)

    def unhealthy_sources(self, *, failing_after: int = 1) -> list[SourceState]:
        """As :meth:`Store.unhealthy_sources <kzfeed.storage.StoreProtocol.unhealthy_sources>`."""
        from kzfeed.storage._records import UNHEALTHY_SQL, state_from_row

        with self._reading() as conn:
            rows = conn.execute(UNHEALTHY_SQL, {"failing_after": failing_after}).fetchall()
        return [state_from_row(r) for r in rows]

    def fleet_status(self, *, overdue_after: timedelta) -> FleetStatus:
        """As :meth:`Store.fleet_status <kzfeed.storage.StoreProtocol.fleet_status>` on SQLite:
        no workers are tracked (one run at a time); the sources overdue by this host's clock."""
        from kzfeed.storage._records import WAITING_SQL, FleetStatus, overdue_sources

        now = clock.instant()  # due times are to the microsecond (clock.instant)
        with self._reading() as conn:
            rows = conn.execute(WAITING_SQL, {"now": sql_time(now)}).fetchall()
        due_now, overdue = overdue_sources(rows, now, overdue_after)
        return FleetStatus(database_now=now, workers=(), overdue=overdue, due_now=due_now)

    def lock_runs(self, worker: str, *, wait: float = 0.0) -> RunLock:
        """The run lock, as the full store takes it on SQLite (the same file)."""
        from kzfeed.storage._filelock import lock_file  # not for status

        return lock_file(self.path, wait)

    def idle_for(self, configured: Sequence[tuple[str, str]], now: datetime) -> float | None:
        """Seconds until the next of ``configured`` (``(name, config hash)``) is due, when a run
        at ``now`` has nothing to do and nothing to say; None when the full run must look (a
        source due, new, changed, paused or backing off, a run left ``running``, a lease)."""
        try:
            if self._conn.execute(_RUNNING_SQL).fetchone()[0]:
                return None  # a killed run: the full run marks it interrupted
            stored = {r["name"]: r for r in self._conn.execute(_IDLE_SQL)}
        except sqlite3.Error:
            return None
        first: float | None = None
        for name, digest in configured:
            row = stored.get(name)
            if row is None or (row["config_hash"] and row["config_hash"] != digest):
                return None  # new, or its options changed: due at once
            if row["paused"] or row["lease_owner"] is not None:
                return None  # the run says that it is paused, or frees the lease
            backoff = utc(row["next_due"])
            if backoff is not None and backoff > now:
                return None  # the run says until when it backs off
            due_at = utc(row["due_at"])
            if due_at is None or due_at <= now:
                return None
            wait = (due_at - now).total_seconds()
            first = wait if first is None else min(first, wait)
        return first

    def record_idle_run(self, started: datetime, finished: datetime, worker: str) -> int | None:
        """Record a run that found nothing to do, as the full run leaves it (``ok``, no
        source); its id, or None when it could not be written (the full run tries)."""
        values = {"started": sql_time(started), "finished": sql_time(finished), "worker": worker}
        try:
            self._conn.execute("PRAGMA synchronous=NORMAL")
            return self._conn.execute(_IDLE_RUN_SQL, values).lastrowid
        except sqlite3.Error:
            return None
