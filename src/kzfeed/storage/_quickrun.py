"""A run's store on SQLite through the standard library's ``sqlite3``, until the run needs more.

A run in which every source answers 304 stores no item and renders nothing: what it writes is
bookkeeping (the run's record, each source's health row, run line and due time, the HTTP
validators that changed). Importing SQLAlchemy for that costs more than the run itself: ~28 MiB
of resident memory (more than reader's whole process) and 0.15–0.4 s. :func:`open_quick_run`
opens a SQLite file at the newest schema with ``sqlite3`` and returns a store that runs those
statements itself, with the values SQLAlchemy's store writes (``_runrows``: the same rows, which
``tests/test_quick_run.py`` compares after runs both ways). At the first call it does not make
here — a source that brings items or fails, ``known_hashes``, a render, anything else of
:class:`~kzfeed.storage.StoreProtocol` — it opens the full :class:`~kzfeed.storage.Store` and
hands that call, and every later one, to it; the two write the same file, one statement or
transaction at a time (the run lock keeps other runs out). PostgreSQL, a file not created yet or
not at the newest schema: None, and the caller opens the full store as before.
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, cast

from kzfeed import clock
from kzfeed.errors import StorageError
from kzfeed.models import CacheEntry, RunReport, SourceRun, SourceState
from kzfeed.storage._explain import explain
from kzfeed.storage._lite import QuickStore, connect_at_head
from kzfeed.storage._records import STATE_COLUMNS, state_from_row
from kzfeed.storage._runrows import (
    TableHttpCache,
    cache_entry,
    cache_values,
    run_source_values,
    source_values,
)
from kzfeed.storage._times import sql_time, utc

if TYPE_CHECKING:
    from kzfeed.storage._protocol import StoreProtocol

__all__ = ["QuickRunStore", "open_quick_run"]

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def open_quick_run(url: str) -> StoreProtocol | None:
    """The store of a run on the SQLite file at ``url`` on ``sqlite3`` (see the module) when the
    file exists and its schema is at the newest shipped revision; None otherwise."""
    found = connect_at_head(url, threads=True)
    if found is None:
        return None
    return cast("StoreProtocol", QuickRunStore(*found, url=url))


def _here(method: Callable[Concatenate[QuickRunStore, P], R]) -> Callable[Concatenate[QuickRunStore, P], R]:
    """A call made on ``sqlite3`` until the full store is open, then by the full store."""
    name = method.__name__

    @functools.wraps(method)
    def run(self: QuickRunStore, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._full is not None:
            return cast("R", getattr(self._full, name)(*args, **kwargs))
        with self._sql():
            return method(self, *args, **kwargs)

    return run


def _value(value: Any) -> Any:
    """A value as SQLAlchemy binds it on SQLite: times as naive UTC text, flags as 0/1."""
    if isinstance(value, datetime):
        return sql_time(value)
    if isinstance(value, bool):
        return int(value)
    return value


#: a list of names as one parameter (a JSON array), so that each query is one statement whatever
#: the number of names: an ``IN (?, ?, …)`` of each length is a statement of its own in the
#: connection's cache (a 1,000-feed run's claims, ~60 lengths up to 1,000, held ~6 MiB)
_LISTED = "SELECT value FROM json_each(?)"


def _listed(names: Iterable[str]) -> str:
    return json.dumps(list(names), ensure_ascii=False)


def _marks(names: Sequence[str]) -> str:
    return ", ".join("?" * len(names))


class QuickRunStore(QuickStore):
    """The store of one run on ``sqlite3``, handing over to the full store (see the module)."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, url: str) -> None:
        super().__init__(path, conn)
        self._url = url
        self._full: StoreProtocol | None = None
        #: one statement or transaction at a time on the connection (fetching threads read the
        #: HTTP cache); reentrant, as a call made here may open the full store
        self._guard = threading.RLock()
        for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
            conn.execute(f"PRAGMA {pragma}")  # as the full store's connections

    # --- the hand-over ------------------------------------------------------------------------

    def full(self) -> StoreProtocol:
        """The full store, opened by the first call that needs it."""
        with self._guard:
            if self._full is None:
                from kzfeed.storage._store import open_store

                log.debug("opening the full store (SQLAlchemy) for the rest of the run")
                self._full = open_store(self._url)
            return self._full

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.full(), name)

    def close(self) -> None:
        with self._guard:
            if self._full is not None:
                self._full.close()
            super().close()

    @contextmanager
    def _sql(self) -> Iterator[sqlite3.Connection]:
        """The connection, alone; a failure is rolled back and told as the full store tells it."""
        with self._guard:
            try:
                yield self._conn
            except sqlite3.Error as exc:
                if self._conn.in_transaction:
                    self._conn.rollback()
                where = f"the database file {str(self.path)!r}"
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise explain(exc, where=where, remote=False, first_line=first) or StorageError(
                    f"cannot use {where} ({first}); run 'kzfeed db upgrade' to see what is wrong with it"
                ) from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._sql() as conn:
            conn.execute("BEGIN")
            yield conn
            conn.execute("COMMIT")

    # --- a run's bookkeeping, as ``_leases``, ``_history``, ``_sources``, ``_renders`` on SQLite ---

    @_here
    def release_leases(self, *, owner_prefix: str | None = None, keep: str | None = None) -> int:
        """Free every lease (under the file lock no other run is alive); see ``LeasesMixin``."""
        if owner_prefix is not None or keep is not None:
            return self.full().release_leases(owner_prefix=owner_prefix, keep=keep)
        with self._transaction() as conn:
            freed = conn.execute(
                "UPDATE sources SET lease_owner = NULL, lease_expires = NULL WHERE lease_owner IS NOT NULL"
            ).rowcount
            conn.execute("DELETE FROM workers")
        return int(freed or 0)

    @_here
    def mark_stale_runs(self, *, worker_prefix: str | None = None) -> int:
        """Runs left ``running`` become ``interrupted``; see ``RunsMixin``."""
        if worker_prefix is not None:
            return self.full().mark_stale_runs(worker_prefix=worker_prefix)
        with self._transaction() as conn:
            return int(
                conn.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'").rowcount
            )

    @_here
    def register_worker(self, owner: str, configured: Sequence[tuple[str, str, str]]) -> None:
        """Every configured source has a row, due now when new or its options changed (SQLite
        keeps no worker rows); see ``LeasesMixin``."""
        hashes = {name: digest for name, _, digest in configured}
        with self._transaction() as conn:
            stored: dict[str, str] = {}
            query = f"SELECT name, config_hash FROM sources WHERE name IN ({_LISTED})"
            stored.update((name, digest) for name, digest in conn.execute(query, [_listed(hashes)]))
            missing = [(n, t) for n, t, _ in configured if n not in stored]
            if missing:
                conn.executemany("INSERT INTO sources (name, type) VALUES (?, ?)", missing)
            changed = [n for n, digest in stored.items() if digest and digest != hashes[n]]
            if changed:
                conn.execute(
                    f"UPDATE sources SET due_at = NULL WHERE name IN ({_LISTED})", [_listed(changed)]
                )

    @_here
    def unregister_worker(self, owner: str, *, keep_row: bool = False) -> None:
        """Nothing to do on SQLite (no leases, no worker rows)."""

    @_here
    def claim_sources(
        self,
        owner: str,
        candidates: Collection[str],
        *,
        limit: int,
        lease_seconds: int,
        due_only: bool = True,
    ) -> list[str]:
        """Up to ``limit`` of ``candidates``, due (any, with ``due_only=False``) and not paused,
        the longest due first; on SQLite nothing is leased. See ``LeasesMixin``."""
        if not candidates or limit < 1:
            return []
        names = list(candidates)
        due = " AND (due_at IS NULL OR due_at <= ?)" if due_only else ""
        query = (
            f"SELECT name FROM sources WHERE name IN ({_LISTED}) AND paused = 0{due} "
            "ORDER BY due_at ASC NULLS FIRST, name LIMIT ?"
        )
        now = [sql_time(clock.instant())] if due_only else []
        return [row[0] for row in self._conn.execute(query, [_listed(names), *now, limit])]

    @_here
    def renew_leases(self, owner: str, *, lease_seconds: int) -> int:
        return 0  # nothing is leased on SQLite

    @_here
    def drop_claims(self, owner: str, names: Sequence[str]) -> None:
        """Nothing to give back on SQLite (nothing is leased)."""

    @_here
    def finish_sources(self, owner: str, due_in: Mapping[str, float]) -> None:
        """Each source is due again that many seconds from now; see ``LeasesMixin``."""
        if not due_in:
            return
        now = clock.instant()
        rows = [(sql_time(now + timedelta(seconds=max(s, 0.0))), n) for n, s in due_in.items()]
        with self._transaction() as conn:
            conn.executemany("UPDATE sources SET due_at = ? WHERE name = ?", rows)

    @_here
    def seconds_until_due(self, candidates: Collection[str]) -> float | None:
        """How long until one of ``candidates`` is due (0: now), None when none is stored."""
        now = clock.instant()
        first: float | None = None
        query = f"SELECT due_at FROM sources WHERE name IN ({_LISTED}) AND paused = 0"
        for (due_at,) in self._conn.execute(query, [_listed(candidates)]):
            wait = max(((utc(due_at) or now) - now).total_seconds(), 0.0)
            first = wait if first is None else min(first, wait)
        return first

    @_here
    def source_states(self, names: Collection[str] | None = None) -> list[SourceState]:
        """Every stored source (or those of ``names`` that are stored), by name."""
        query = f"SELECT {STATE_COLUMNS} FROM sources"
        if names is None:
            return [state_from_row(r) for r in self._conn.execute(f"{query} ORDER BY name")]
        rows = self._conn.execute(f"{query} WHERE name IN ({_LISTED}) ORDER BY name", [_listed(names)])
        return [state_from_row(r) for r in rows]

    @_here
    def start_run(self, started: datetime, worker: str = "") -> int:
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO runs (started_at, status, worker) VALUES (?, 'running', ?)",
                (sql_time(started), worker),
            )
        return int(cursor.lastrowid or 0)

    @_here
    def record_source_run(self, run_id: int, outcome: SourceRun) -> None:
        with self._transaction() as conn:
            _record_source_runs(conn, run_id, [outcome])

    @_here
    def save_quiet_sources(
        self, run_id: int, done: Sequence[tuple[SourceState | None, str, SourceRun]]
    ) -> None:
        """The health rows and run lines of sources that stored no items, in one transaction."""
        with self._transaction() as conn:
            for state, config_hash, _ in done:
                if state is not None:
                    _upsert_source(conn, source_values(state, config_hash))
            _record_source_runs(conn, run_id, [outcome for _, _, outcome in done])

    @_here
    def finish_run(self, run_id: int, report: RunReport) -> None:
        values = (
            sql_time(report.finished),
            "ok" if report.ok else "failed",
            report.total("new"),
            report.total("updated"),
            report.total("unchanged"),
            report.total("failed"),
            run_id,
        )
        with self._transaction() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, status = ?, new = ?, updated = ?, unchanged = ?, "
                "failed = ? WHERE id = ?",
                values,
            )

    @_here
    def mark_run(self, run_id: int, status: str) -> None:
        with self._transaction() as conn:
            conn.execute("UPDATE runs SET status = ? WHERE id = ?", (status, run_id))

    @_here
    def feeds_current(self, inputs: str) -> bool:
        """Whether the feeds miss nothing; see ``RendersMixin``."""
        row = self._conn.execute(
            "SELECT dirty, rendered_at, inputs FROM render_state WHERE id = 1"
        ).fetchone()
        return (
            row is not None
            and not row["dirty"]
            and row["rendered_at"] is not None
            and row["inputs"] == inputs
        )

    @_here
    def http_cache(self) -> TableHttpCache:
        """The fetcher's validators, read and written on ``sqlite3`` for the whole run."""
        return _QuickHttpCache(self)


class _QuickHttpCache(TableHttpCache):
    """The ``http_cache`` table on the run store's ``sqlite3`` connection."""

    _COLUMNS = ("etag", "last_modified", "expires", "retry_after", "last_status")

    def __init__(self, store: QuickRunStore) -> None:
        super().__init__()
        self._store = store

    def _read(self, urls: list[str]) -> dict[str, CacheEntry]:
        found: dict[str, CacheEntry] = {}
        with self._store._sql() as conn:
            query = f"SELECT url, {', '.join(self._COLUMNS)} FROM http_cache WHERE url IN ({_LISTED})"
            for row in conn.execute(query, [_listed(urls)]):
                found[row["url"]] = cache_entry(row)
        return found

    def _write(self, entries: Mapping[str, CacheEntry]) -> None:
        """As ``write_entries``: those stored updated, the others inserted."""
        if not entries:
            return
        full = self._store._full
        if full is not None:  # it may hold the run's writes (``hold_writes``): written there
            full.http_cache()._write(entries)  # type: ignore[attr-defined]
            return
        rows = {url: [_value(v) for v in cache_values(entry).values()] for url, entry in entries.items()}
        with self._store._transaction() as conn:
            query = f"SELECT url FROM http_cache WHERE url IN ({_LISTED})"
            stored = {r[0] for r in conn.execute(query, [_listed(rows)])}
            sets = ", ".join(f"{c} = ?" for c in self._COLUMNS)
            conn.executemany(
                f"UPDATE http_cache SET {sets} WHERE url = ?",
                [[*v, u] for u, v in rows.items() if u in stored],
            )
            conn.executemany(
                f"INSERT INTO http_cache (url, {', '.join(self._COLUMNS)}) VALUES (?, {_marks(self._COLUMNS)})",
                [[u, *v] for u, v in rows.items() if u not in stored],
            )


def _upsert_source(conn: sqlite3.Connection, values: dict[str, Any]) -> None:
    """A source's health row: updated when it is there (as it mostly is), else inserted."""
    columns = [k for k in values if k != "name"]
    row = [_value(values[k]) for k in columns]
    sets = ", ".join(f"{c} = ?" for c in columns)
    if not conn.execute(f"UPDATE sources SET {sets} WHERE name = ?", [*row, values["name"]]).rowcount:
        conn.execute(
            f"INSERT INTO sources (name, {', '.join(columns)}) VALUES (?, {_marks(columns)})",
            [values["name"], *row],
        )


def _record_source_runs(conn: sqlite3.Connection, run_id: int, outcomes: Sequence[SourceRun]) -> None:
    """As ``record_source_runs``: each source's line of the run, replacing an earlier one."""
    if not outcomes:
        return
    names = _listed(o.source for o in outcomes)
    conn.execute(f"DELETE FROM run_sources WHERE run_id = ? AND source IN ({_LISTED})", [run_id, names])
    rows = [run_source_values(run_id, outcome) for outcome in outcomes]
    columns = list(rows[0])
    conn.executemany(
        f"INSERT INTO run_sources ({', '.join(columns)}) VALUES ({_marks(columns)})",
        [[_value(row[c]) for c in columns] for row in rows],
    )
