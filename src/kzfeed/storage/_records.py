"""What the two read paths share, on the standard library alone: the SQL text of ``kzfeed
status``'s reads (run history, unhealthy sources, sources waiting to be fetched) and the records
made from their rows.

The SQLAlchemy store runs this text through ``text()`` on SQLite and PostgreSQL (``_history``,
``_sources``, ``_leases``); the ``sqlite3`` reader (``_lite``) runs the same text on SQLite, so
that ``kzfeed status`` and a ``kzfeed run`` with nothing due need not import SQLAlchemy. Rows
come back as SQLite stores them (times as text, flags as 0/1) or as PostgreSQL's driver gives
them (aware datetimes, booleans): :func:`utc` reads either.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kzfeed.models import RunError, RunErrorKind, SourceState
from kzfeed.storage._times import utc

__all__ = [
    "RUNS_SQL",
    "RUN_SOURCES_SQL",
    "STATE_COLUMNS",
    "UNHEALTHY_SQL",
    "WAITING_SQL",
    "Arrived",
    "FleetStatus",
    "OverdueSource",
    "RunRecord",
    "SourceRunRecord",
    "WorkerRecord",
    "overdue_sources",
    "run_records",
    "state_from_row",
]

#: the newest runs first (``:limit`` of them)
RUNS_SQL = (
    "SELECT id, started_at, finished_at, status, worker, new, updated, unchanged, failed "
    "FROM runs ORDER BY id DESC LIMIT :limit"
)
#: what the runs ``:oldest``..``:newest`` did per source (the newest runs are every id between)
RUN_SOURCES_SQL = (
    "SELECT run_id, source, status, http_status, new, updated, unchanged, failed, duration_ms, "
    "error, error_kind, error_url, error_at, warnings "
    "FROM run_sources WHERE run_id >= :oldest AND run_id <= :newest ORDER BY source"
)
#: the columns of ``sources`` that :func:`state_from_row` reads
STATE_COLUMNS = (
    "name, type, url, etag, last_modified, last_attempt, last_ok, last_status, last_error, "
    "items_last_run, consecutive_failures, next_due, paused, cursor, due_at"
)
#: sources paused or failing ``:failing_after`` times or more in a row, worst first
UNHEALTHY_SQL = (
    f"SELECT {STATE_COLUMNS} FROM sources WHERE paused OR consecutive_failures >= :failing_after "
    "ORDER BY consecutive_failures DESC, name"
)
#: sources due at ``:now`` (the database's clock), not paused, in no live lease; longest due first
WAITING_SQL = (
    "SELECT name, due_at, lease_owner FROM sources WHERE NOT paused "
    "AND (due_at IS NULL OR due_at <= :now) AND (lease_owner IS NULL OR lease_expires <= :now) "
    "ORDER BY due_at ASC NULLS FIRST, name"
)


@dataclass(frozen=True, slots=True)
class Arrived:
    """The items a pass in the order kzfeed first saw them (``items_by_arrival``) has done: those
    first seen before ``first_seen``, and those of ``ids`` first seen at that instant."""

    first_seen: datetime
    ids: Collection[str] = ()

    def has(self, first_seen: datetime, item_id: str) -> bool:
        return first_seen < self.first_seen or (first_seen == self.first_seen and item_id in self.ids)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRunRecord:
    """What one stored run did for one source."""

    source: str
    status: str
    http_status: int | None
    new: int
    updated: int
    unchanged: int
    failed: int
    duration_ms: int
    error: RunError | None
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord:
    """One stored run: ``running``, ``ok``, ``failed``, ``stopped`` (by a signal) or
    ``interrupted`` (killed; found by the next run)."""

    id: int
    started: datetime
    finished: datetime | None
    status: str
    worker: str
    new: int
    updated: int
    unchanged: int
    failed: int
    sources: tuple[SourceRunRecord, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerRecord:
    """A worker as ``kzfeed status`` shows it."""

    name: str  # "worker:pid", the owner of its leases
    host: str
    pid: int
    started_at: datetime
    heartbeat_at: datetime
    heartbeat_age_s: float  # by the database's clock
    sources: tuple[str, ...]  # the sources it holds a live lease on


@dataclass(frozen=True, slots=True, kw_only=True)
class OverdueSource:
    name: str
    due_at: datetime | None  # None: never fetched
    overdue_s: float  # since when it has been due, by the database's clock
    lease_owner: str | None  # a worker whose lease ran out still shows here


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetStatus:
    database_now: datetime
    workers: tuple[WorkerRecord, ...]
    overdue: tuple[OverdueSource, ...]
    due_now: int  # sources due and in no live worker's hand


def _aware(value: datetime | str) -> datetime:
    found = utc(value)
    assert found is not None
    return found


def run_records(runs: Sequence[Any], sources: Iterable[Any]) -> list[RunRecord]:
    """The records of the rows (mappings by column name) of :data:`RUNS_SQL` and
    :data:`RUN_SOURCES_SQL`."""
    per_run: dict[int, list[SourceRunRecord]] = {r["id"]: [] for r in runs}
    for s in sources:
        if s["run_id"] in per_run:
            per_run[s["run_id"]].append(
                SourceRunRecord(
                    source=s["source"],
                    status=s["status"],
                    http_status=s["http_status"],
                    new=s["new"],
                    updated=s["updated"],
                    unchanged=s["unchanged"],
                    failed=s["failed"],
                    duration_ms=s["duration_ms"],
                    error=_error(s),
                    warnings=tuple(json.loads(s["warnings"] or "[]")),
                )
            )
    return [
        RunRecord(
            id=r["id"],
            started=_aware(r["started_at"]),
            finished=utc(r["finished_at"]),
            status=r["status"],
            worker=r["worker"],
            new=r["new"],
            updated=r["updated"],
            unchanged=r["unchanged"],
            failed=r["failed"],
            sources=tuple(per_run[r["id"]]),
        )
        for r in runs
    ]


def _error(row: Any) -> RunError | None:
    if row["error"] is None:
        return None
    try:
        kind = RunErrorKind(row["error_kind"])
    except ValueError:  # written by a newer kzfeed: still an error of the source's
        kind = RunErrorKind.SOURCE
    return RunError(
        source=row["source"], kind=kind, message=row["error"], url=row["error_url"], at=utc(row["error_at"])
    )


def state_from_row(row: Any) -> SourceState:
    """The :class:`SourceState` of a ``sources`` row."""
    try:
        cursor = json.loads(row["cursor"] or "{}")
    except ValueError:
        cursor = {}
    return SourceState(
        name=row["name"],
        type=row["type"],
        url=row["url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_attempt=utc(row["last_attempt"]),
        last_ok=utc(row["last_ok"]),
        last_status=row["last_status"],
        last_error=row["last_error"],
        items_last_run=row["items_last_run"],
        consecutive_failures=row["consecutive_failures"],
        next_due=utc(row["next_due"]),
        paused=bool(row["paused"]),
        cursor=cursor,
        due_at=utc(row["due_at"]),
    )


def overdue_sources(
    rows: Iterable[Any], now: datetime, overdue_after: timedelta
) -> tuple[int, tuple[OverdueSource, ...]]:
    """From the rows of :data:`WAITING_SQL`: how many are due now, and those due for longer than
    ``overdue_after`` (or never fetched)."""
    overdue: list[OverdueSource] = []
    due_now = 0
    for row in rows:
        due_now += 1
        due_at = utc(row["due_at"])
        since = now - due_at if due_at is not None else None
        if since is None or since >= overdue_after:
            overdue.append(
                OverdueSource(
                    name=row["name"],
                    due_at=due_at,
                    overdue_s=since.total_seconds() if since is not None else 0.0,
                    lease_owner=row["lease_owner"],
                )
            )
    return due_now, tuple(overdue)
