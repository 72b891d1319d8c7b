"""Run history and source health, as ``kzfeed status`` and the operator feed read them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update

from kzfeed.models import SourceState
from kzfeed.storage._schema import run_sources, runs, sources
from kzfeed.storage._store import Store, _state_from_row

__all__ = ["RunRecord", "SourceRunRecord", "last_runs", "mark_run", "mark_stale_runs", "unhealthy_sources"]


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
    error: str | None
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


def mark_run(store: Store, run_id: int, status: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(runs).where(runs.c.id == run_id).values(status=status))


def mark_stale_runs(store: Store, *, worker_prefix: str | None = None) -> int:
    """Runs still marked ``running`` whose process is known dead become ``interrupted``."""
    query = update(runs).where(runs.c.status == "running")
    if worker_prefix is not None:
        query = query.where(runs.c.worker.like(worker_prefix.replace("%", r"\%") + "%", escape="\\"))
    with store.engine.begin() as conn:
        return int(conn.execute(query.values(status="interrupted")).rowcount or 0)


def last_runs(store: Store, limit: int = 10) -> list[RunRecord]:
    """The newest runs first, each with what it did per source."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(limit)).mappings().all()
        ids = [r["id"] for r in rows]
        per_run: dict[int, list[SourceRunRecord]] = {i: [] for i in ids}
        if ids:
            query = select(run_sources).where(run_sources.c.run_id.in_(ids)).order_by(run_sources.c.source)
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
                        error=s["error"],
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


def unhealthy_sources(store: Store, *, failing_after: int = 1) -> list[SourceState]:
    """Sources paused, or failing ``failing_after`` times or more in a row, worst first."""
    query = (
        select(sources)
        .where(or_(sources.c.paused.is_(True), sources.c.consecutive_failures >= failing_after))
        .order_by(sources.c.consecutive_failures.desc(), sources.c.name)
    )
    with store.engine.connect() as conn:
        return [_state_from_row(r) for r in conn.execute(query).mappings()]
