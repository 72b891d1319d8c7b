"""Run history: the ``runs`` and ``run_sources`` tables, as ``kzfeed status`` and the operator
feed read them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, text, update

from kzfeed.models import RunReport, SourceRun, SourceState
from kzfeed.storage._base import StoreBase, chunks, like_prefix, upsert
from kzfeed.storage._direct import insert_rows
from kzfeed.storage._records import RUN_SOURCES_SQL, RUNS_SQL, RunRecord, SourceRunRecord, run_records
from kzfeed.storage._runrows import run_source_values
from kzfeed.storage._schema import run_sources, runs
from kzfeed.storage._sources import upsert_sources

__all__ = ["RunRecord", "RunsMixin", "SourceRunRecord", "record_source_runs", "write_run_lines"]


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
        """The newest runs first, each with what it did per source (the SQL ``kzfeed status``
        also runs through ``sqlite3``: ``_records``)."""
        with self._engine.connect() as conn:
            rows = conn.execute(text(RUNS_SQL), {"limit": limit}).mappings().all()
            done = []
            if rows:
                span = {"oldest": rows[-1]["id"], "newest": rows[0]["id"]}
                done = list(conn.execute(text(RUN_SOURCES_SQL), span).mappings())
        return run_records(rows, done)


# built once (building a statement costs more than running it: a run records every source)
_DROP_LINES = delete(run_sources).where(
    (run_sources.c.run_id == bindparam("run"))
    & run_sources.c.source.in_(bindparam("sources", expanding=True))
)
_INSERT_LINES = insert(run_sources)


def record_source_runs(conn: Connection, run_id: int, outcomes: Sequence[SourceRun]) -> None:
    """Record (or replace) what run ``run_id`` did for these sources, in ``conn``'s transaction
    (one statement: an upsert)."""
    write_run_lines(conn, [run_source_values(run_id, outcome) for outcome in outcomes])


def write_run_lines(conn: Connection, values: Sequence[dict[str, Any]]) -> None:
    """Write ``run_sources`` rows (:func:`run_source_values`), each replacing the line of its
    run and source if there is one."""
    if not values:
        return
    if len(values) > 1:  # a line given twice: the last
        values = list({(row["run_id"], row["source"]): row for row in values}.values())
    if upsert(conn.dialect.name, run_sources) is not None:
        insert_rows(conn, run_sources, values, replace=True)
        return
    by_run: dict[int, list[str]] = {}
    for row in values:
        by_run.setdefault(row["run_id"], []).append(row["source"])
    for run_id, names in by_run.items():
        for chunk in chunks(names):
            conn.execute(_DROP_LINES, {"run": run_id, "sources": list(chunk)})
    conn.execute(_INSERT_LINES, list(values))
