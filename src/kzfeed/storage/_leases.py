"""Due sources and the leases of the workers that fetch them.

Each source has a ``due_at``: when it is next to be fetched (NULL: now). A worker *claims* a
batch of due sources in one statement and *finishes* each one by moving its ``due_at`` on.

On PostgreSQL several workers share the database. A claim is one ``UPDATE … WHERE name IN
(SELECT … WHERE due_at <= now() … ORDER BY due_at LIMIT n FOR UPDATE SKIP LOCKED) RETURNING
name``: it leases the sources to the worker until ``now() + lease_seconds``. The worker's
heartbeat renews its leases while it works; a worker that dies stops renewing, and once its
leases have run out any worker claims those sources again. Every time compared or written here
is the database's ``now()``: a worker whose clock is wrong changes nothing.

On SQLite the run lock (a file lock) lets one process at a time work on the database: a claim
only reads which sources are due, the heartbeat and the release write nothing, no worker rows
are kept. The caller runs the same steps either way.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Interval,
    String,
    any_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from kzfeed import clock
from kzfeed.storage._base import StoreBase, chunks, like_prefix
from kzfeed.storage._records import WAITING_SQL, FleetStatus, OverdueSource, WorkerRecord, overdue_sources
from kzfeed.storage._runrows import SourceLeases
from kzfeed.storage._schema import UTCDateTime, sources, workers

if TYPE_CHECKING:
    pass

__all__ = ["FleetStatus", "LeasesMixin", "OverdueSource", "SourceLeases", "WorkerRecord"]

#: worker rows silent for longer than this are dropped when another worker starts
_FORGET_WORKERS = timedelta(hours=1)


class LeasesMixin(StoreBase):
    """When sources are due, and the leases of the workers on them."""

    @property
    def _shared(self) -> bool:
        """Several workers may work at once (PostgreSQL): leases and heartbeats are kept."""
        return self.backend != "sqlite"

    def _now(self) -> ColumnElement[datetime] | datetime:
        """The database's clock in a statement; SQLite's is this host's (one process at a time)."""
        return func.now() if self._shared else clock.instant()

    def register_worker(self, owner: str, configured: Sequence[tuple[str, str, str]]) -> None:
        """Make sure every configured source (``(name, type, config hash)``) has a row, due now
        when new or when its options changed since it was stored; on PostgreSQL note ``owner``
        as a working worker (forgetting workers silent for an hour)."""
        with self._engine.begin() as conn:
            hashes = {name: digest for name, _, digest in configured}
            stored: dict[str, str] = {}
            for chunk in chunks(list(hashes)):
                query = select(sources.c.name, sources.c.config_hash).where(sources.c.name.in_(chunk))
                stored.update((name, digest) for name, digest in conn.execute(query))
            missing = [{"name": n, "type": t} for n, t, _ in configured if n not in stored]
            if missing and self._shared:  # workers started together add the same rows: once
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                conn.execute(pg_insert(sources).on_conflict_do_nothing(index_elements=["name"]), missing)
            elif missing:
                conn.execute(insert(sources), missing)
            changed = [n for n, digest in stored.items() if digest and digest != hashes[n]]
            for chunk in chunks(changed):
                conn.execute(update(sources).where(sources.c.name.in_(chunk)).values(due_at=None))
            if not self._shared:
                return
            conn.execute(delete(workers).where(workers.c.heartbeat_at < func.now() - _FORGET_WORKERS))
            beat = update(workers).where(workers.c.name == owner).values(heartbeat_at=func.now())
            if conn.execute(beat).rowcount:  # a worker that stays between runs (kzfeed watch)
                return
            conn.execute(
                insert(workers).values(
                    name=owner,
                    host=socket.gethostname(),
                    pid=os.getpid(),
                    started_at=func.now(),
                    heartbeat_at=func.now(),
                )
            )

    def unregister_worker(self, owner: str, *, keep_row: bool = False) -> None:
        """``owner`` ends its run: the leases it still holds are freed at once, and its row goes
        (stays with ``keep_row``: a ``kzfeed watch`` sleeping until its next run)."""
        if not self._shared:
            return
        with self._engine.begin() as conn:
            conn.execute(
                update(sources)
                .where(sources.c.lease_owner == owner)
                .values(lease_owner=None, lease_expires=None)
            )
            if not keep_row:
                conn.execute(delete(workers).where(workers.c.name == owner))

    def release_leases(self, *, owner_prefix: str | None = None, keep: str | None = None) -> int:
        """Free the leases of workers known to be dead: every lease, or those of one worker name
        whose run lock we now hold (``owner_prefix`` ``"name:"``); their rows go too (not the
        row of ``keep``, this process)."""
        query = update(sources).where(sources.c.lease_owner.is_not(None))
        gone = delete(workers)
        if owner_prefix is not None:
            query = query.where(sources.c.lease_owner.like(like_prefix(owner_prefix), escape="\\"))
            gone = gone.where(workers.c.name.like(like_prefix(owner_prefix), escape="\\"))
        if keep is not None:
            gone = gone.where(workers.c.name != keep)
        with self._engine.begin() as conn:
            freed = int(conn.execute(query.values(lease_owner=None, lease_expires=None)).rowcount or 0)
            conn.execute(gone)
            return freed

    def claim_sources(
        self,
        owner: str,
        candidates: Collection[str],
        *,
        limit: int,
        lease_seconds: int,
        due_only: bool = True,
    ) -> list[str]:
        """Claim up to ``limit`` of ``candidates`` for ``owner``, the longest due first, in one
        statement: those due now (any, with ``due_only=False``), not paused, and in no other
        worker's live lease. Returns their names (empty: nothing to claim now)."""
        if not candidates or limit < 1:
            return []
        now = self._now()
        # one parameter, however many sources: PostgreSQL an array, SQLite a JSON array (an
        # ``IN (?, ?, …)`` of each length is a statement of its own in the driver's cache: a
        # 1,000-feed run's ~60 claims held ~6 MiB)
        if self._shared:
            listed = sources.c.name == any_(bindparam("b_names", list(candidates), type_=ARRAY(String())))
        else:
            names = func.json_each(bindparam("b_names", json.dumps(list(candidates), ensure_ascii=False)))
            listed = sources.c.name.in_(select(names.table_valued("value").c.value))
        wanted = select(sources.c.name).where(listed, sources.c.paused.is_(False))
        if due_only:
            wanted = wanted.where(or_(sources.c.due_at.is_(None), sources.c.due_at <= now))
        order = _ORDER
        with self._engine.begin() as conn:
            if not self._shared:  # one process at a time: nothing to lease
                return list(conn.execute(wanted.order_by(*order).limit(limit)).scalars())
            free = or_(sources.c.lease_owner.is_(None), sources.c.lease_expires <= now)
            batch = wanted.where(free).order_by(*order).limit(limit).with_for_update(skip_locked=True)
            claimed = conn.execute(
                update(sources)
                .where(sources.c.name.in_(batch.scalar_subquery()))
                .values(lease_owner=owner, lease_expires=func.now() + timedelta(seconds=lease_seconds))
                .returning(sources.c.name, sources.c.due_at)
            ).all()
            conn.execute(update(workers).where(workers.c.name == owner).values(heartbeat_at=func.now()))
        return [name for name, _ in sorted(claimed, key=_due_order)]

    def renew_leases(self, owner: str, *, lease_seconds: int) -> int:
        """The heartbeat: ``owner`` still works; its leases run ``lease_seconds`` from now again.
        Returns how many it holds (0 on SQLite, where nothing is leased)."""
        if not self._shared:
            return 0
        with self._engine.begin() as conn:
            conn.execute(update(workers).where(workers.c.name == owner).values(heartbeat_at=func.now()))
            result = conn.execute(
                update(sources)
                .where(sources.c.lease_owner == owner)
                .values(lease_expires=func.now() + timedelta(seconds=lease_seconds))
            )
            return int(result.rowcount or 0)

    def finish_sources(self, owner: str, due_in: Mapping[str, float]) -> None:
        """``owner`` is done with these sources (stored or failed): each is due again that many
        seconds from now (database time), and its lease is freed. A source whose lease another
        worker took over meanwhile is left to that worker."""
        if not due_in:
            return
        rows = [{"b_name": n, "b_due": timedelta(seconds=max(s, 0.0))} for n, s in due_in.items()]
        due = bindparam("b_due", type_=Interval())
        query = update(sources).where(sources.c.name == bindparam("b_name"))
        if self._shared:
            query = query.where(sources.c.lease_owner == owner)
            query = query.values(due_at=func.now() + due, lease_owner=None, lease_expires=None)
            with self._autocommit.connect() as conn:  # each source's row on its own
                conn.execute(query, rows)
            return
        now = clock.instant()
        with self._engine.begin() as conn:
            conn.execute(
                query.values(due_at=bindparam("b_at")),
                [{"b_name": n, "b_at": now + timedelta(seconds=max(s, 0.0))} for n, s in due_in.items()],
            )

    def drop_claims(self, owner: str, names: Sequence[str]) -> None:
        """``owner`` gives these sources back unfetched (a stop signal): due as they were, free
        for any worker at once."""
        if not self._shared or not names:
            return
        with self._engine.begin() as conn:
            for chunk in chunks(list(names)):
                conn.execute(
                    update(sources)
                    .where(sources.c.name.in_(chunk), sources.c.lease_owner == owner)
                    .values(lease_owner=None, lease_expires=None)
                )

    def seconds_until_due(self, candidates: Collection[str]) -> float | None:
        """How long until one of ``candidates`` can be claimed (due, not paused, in no live
        lease), by the database's clock; 0 when one can now, None when none is stored."""
        now = self._now()
        first: float | None = None
        with self._engine.connect() as conn:
            db_now = _aware(conn.execute(select(_as_column(now))).scalar_one())
            for chunk in chunks(list(candidates)):
                rows = conn.execute(
                    select(sources.c.due_at, sources.c.lease_expires).where(
                        sources.c.name.in_(chunk), sources.c.paused.is_(False)
                    )
                )
                for due_at, expires in rows:
                    ready = max(
                        _aware(due_at or db_now), _aware(expires or db_now) if self._shared else db_now
                    )
                    wait = max((ready - db_now).total_seconds(), 0.0)
                    first = wait if first is None else min(first, wait)
        return first

    def fleet_status(self, *, overdue_after: timedelta) -> FleetStatus:
        """The workers (PostgreSQL) with their last heartbeat and the sources they hold, and the
        sources due for longer than ``overdue_after`` that no live worker holds (the SQL of those
        ``status`` also runs through sqlite3: ``_records``)."""
        now = self._now()
        waiting = text(WAITING_SQL).bindparams(bindparam("now", type_=UTCDateTime()))
        with self._engine.connect() as conn:
            db_now = _aware(conn.execute(select(_as_column(now))).scalar_one())
            found: list[WorkerRecord] = []
            if self._shared:
                found = self._workers(conn, now, db_now)
            # PostgreSQL: the time of this transaction, which now() gives in every statement of it
            due_now, overdue = overdue_sources(
                conn.execute(waiting, {"now": db_now}).mappings(), db_now, overdue_after
            )
        return FleetStatus(database_now=db_now, workers=tuple(found), overdue=overdue, due_now=due_now)

    def _workers(
        self, conn: Connection, now: ColumnElement[datetime] | datetime, db_now: datetime
    ) -> list[WorkerRecord]:
        """The workers at work (PostgreSQL), each with the sources it holds a live lease on."""
        held: dict[str, list[str]] = {}
        live = select(sources.c.lease_owner, sources.c.name).where(sources.c.lease_expires > now)
        for owner, name in conn.execute(live.order_by(sources.c.name)):
            held.setdefault(owner, []).append(name)
        found: list[WorkerRecord] = []
        for w in conn.execute(select(workers).order_by(workers.c.name)).mappings():
            beat = _aware(w["heartbeat_at"])
            found.append(
                WorkerRecord(
                    name=w["name"],
                    host=w["host"],
                    pid=w["pid"],
                    started_at=_aware(w["started_at"]),
                    heartbeat_at=beat,
                    heartbeat_age_s=max((db_now - beat).total_seconds(), 0.0),
                    sources=tuple(held.get(w["name"], ())),
                )
            )
        return found


_ORDER = (sources.c.due_at.asc().nulls_first(), sources.c.name)


def _due_order(row: tuple[str, datetime | None]) -> tuple[int, datetime | str, str]:
    name, due = row
    return (0, "", name) if due is None else (1, due, name)


def _as_column(now: ColumnElement[datetime] | datetime) -> ColumnElement[datetime]:
    if isinstance(now, datetime):
        return bindparam("b_now", now, type_=sources.c.due_at.type)
    return now


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
