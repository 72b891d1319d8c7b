"""Run history: the ``runs`` and ``run_sources`` tables, as ``kzfeed status`` and the operator
feed read them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from kzfeed.models import RunError, RunErrorKind, RunReport, SourceRun, SourceState
from kzfeed.storage._base import StoreBase, chunks, like_prefix
from kzfeed.storage._schema import run_sources, runs
from kzfeed.storage._sources import upsert_sources

__all__ = ["RunRecord", "RunsMixin", "SourceRunRecord", "record_source_runs"]


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


class RunsMixin(StoreBase):
    """Recording runs as they go, and reading them back."""

    def start_run(self, started: datetime, worker: str = "") -> int:
        """Record a run as ``running``; returns its id."""
        with self._engine.begin() as conn:
            result = conn.execute(
                insert(runs).values(started_at=started, status="running", worker=worker).returning(runs.c.id)
            )
            return int(result.scalar_one())

    def record_source_run(self, run_id: int, outcome: SourceRun) -> None:
        """Record (or replace) what run ``run_id`` did for one source."""
        with self._engine.begin() as conn:
            record_source_runs(conn, run_id, [outcome])

    def save_quiet_sources(
        self, run_id: int, done: Sequence[tuple[SourceState | None, str, SourceRun]]
    ) -> None:
        """The health rows (``(state, config hash)``; no state: none to write) and run records
        of sources that stored no items, in one transaction: a run where every feed answered
        304 writes a few transactions, not several per source."""
        with self._engine.begin() as conn:
            upsert_sources(
                conn, [(state, config_hash) for state, config_hash, _ in done if state is not None]
            )
            record_source_runs(conn, run_id, [outcome for _, _, outcome in done])

    def finish_run(self, run_id: int, report: RunReport) -> None:
        """Record the end of a run and its totals."""
        with self._engine.begin() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(
                    finished_at=report.finished,
                    status="ok" if report.ok else "failed",
                    new=report.total("new"),
                    updated=report.total("updated"),
                    unchanged=report.total("unchanged"),
                    failed=report.total("failed"),
                )
            )

    def mark_run(self, run_id: int, status: str) -> None:
        """Set the status of a run (``stopped`` when a signal ended it)."""
        with self._engine.begin() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(status=status))

    def mark_stale_runs(self, *, worker_prefix: str | None = None) -> int:
        """Runs still marked ``running`` whose process is known dead become ``interrupted``:
        every one, or those of workers named ``worker_prefix…``. Returns how many."""
        query = update(runs).where(runs.c.status == "running")
        if worker_prefix is not None:
            query = query.where(runs.c.worker.like(like_prefix(worker_prefix), escape="\\"))
        with self._engine.begin() as conn:
            return int(conn.execute(query.values(status="interrupted")).rowcount or 0)

    def last_runs(self, limit: int = 10) -> list[RunRecord]:
        """The newest runs first, each with what it did per source."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(limit)).mappings().all()
            ids = [r["id"] for r in rows]
            per_run: dict[int, list[SourceRunRecord]] = {i: [] for i in ids}
            if ids:
                query = (
                    select(run_sources).where(run_sources.c.run_id.in_(ids)).order_by(run_sources.c.source)
                )
                for s in conn.execute(query).mappings():
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
                started=r["started_at"],
                finished=r["finished_at"],
                status=r["status"],
                worker=r["worker"],
                new=r["new"],
                updated=r["updated"],
                unchanged=r["unchanged"],
                failed=r["failed"],
                sources=tuple(per_run[r["id"]]),
            )
            for r in rows
        ]


def record_source_runs(conn: Connection, run_id: int, outcomes: Sequence[SourceRun]) -> None:
    """Record (or replace) what run ``run_id`` did for these sources, in ``conn``'s transaction."""
    if not outcomes:
        return
    for chunk in chunks([o.source for o in outcomes]):
        conn.execute(
            delete(run_sources).where((run_sources.c.run_id == run_id) & run_sources.c.source.in_(chunk))
        )
    conn.execute(
        insert(run_sources),
        [
            {
                "run_id": run_id,
                "source": outcome.source,
                "status": outcome.status.value,
                "http_status": outcome.http_status,
                "new": outcome.new,
                "updated": outcome.updated,
                "unchanged": outcome.unchanged,
                "failed": outcome.failed,
                "duration_ms": round(outcome.duration_s * 1000),
                "error": error.message if error else None,
                "error_kind": error.kind.value if error else None,
                "error_url": error.url if error else None,
                "error_at": error.at if error else None,
                "warnings": json.dumps(list(outcome.warnings), ensure_ascii=False),
            }
            for outcome, error in ((o, RunError.of(o)) for o in outcomes)
        ],
    )


def _error(row: RowMapping) -> RunError | None:
    if row["error"] is None:
        return None
    try:
        kind = RunErrorKind(row["error_kind"])
    except ValueError:  # written by a newer kzfeed: still an error of the source's
        kind = RunErrorKind.SOURCE
    return RunError(
        source=row["source"], kind=kind, message=row["error"], url=row["error_url"], at=row["error_at"]
    )
