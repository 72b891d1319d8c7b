"""Rounds and source leases: how several workers share the sources of one database.

A *round* is one pass over the configured sources. A worker joins the open round (or opens
one), then, source by source, *claims* the source with a row lease (``SELECT … FOR UPDATE SKIP
LOCKED`` on PostgreSQL; SQLite runs one worker at a time under the run lock). A source finished
in this round, or leased by a live worker, is skipped; a lease whose worker died expires after
``lease_seconds`` and is taken over. The worker that finishes the last source closes the round,
and only that worker renders the feeds: once per round.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection, func, insert, or_, select, text, update

from kzfeed import clock
from kzfeed.storage._base import StoreBase, like_prefix
from kzfeed.storage._schema import rounds, sources

if TYPE_CHECKING:
    from kzfeed.storage._protocol import StoreProtocol

__all__ = ["LeasesMixin", "Round", "SourceLeases", "round_scope"]

_ROUND_LOCK = 0x6B7A_0007  # advisory lock serialising who opens a round on PostgreSQL


def round_scope(names: Sequence[str], refetch: bool) -> str:
    """Workers join one round only when they run the same sources the same way."""
    blob = "\n".join(sorted(names)) + ("\nrefetch" if refetch else "")
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True, kw_only=True)
class Round:
    id: int
    joined: bool  # True when another worker opened it


def _lock_round_table(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ROUND_LOCK})


class LeasesMixin(StoreBase):
    """Rounds and the per-source leases in them."""

    def release_leases(self, *, owner_prefix: str | None = None) -> int:
        """Drop the leases of workers known to be dead: every lease (SQLite, where the run lock
        says no one else runs), or those of one worker name whose run lock we now hold."""
        query = update(sources).where(sources.c.lease_owner.is_not(None))
        if owner_prefix is not None:
            query = query.where(sources.c.lease_owner.like(like_prefix(owner_prefix), escape="\\"))
        with self._engine.begin() as conn:
            return int(conn.execute(query.values(lease_owner=None, lease_expires=None)).rowcount or 0)

    def open_round(
        self, *, scope: str, source_types: Sequence[tuple[str, str]], lease_seconds: int, owner: str
    ) -> Round:
        """Join the open round of ``scope`` or open a new one. A round is joined while it is young
        (``lease_seconds``) or a live worker still holds a lease in it; an older one was left by
        dead workers and is closed."""
        now = clock.now()
        with self._engine.begin() as conn:
            _lock_round_table(conn)
            known = set(conn.execute(select(sources.c.name)).scalars())
            missing = [{"name": n, "type": t} for n, t in source_types if n not in known]
            if missing:
                conn.execute(insert(sources), missing)  # rows to lease; health fields keep their defaults
            row = conn.execute(
                select(rounds.c.id, rounds.c.started_at)
                .where(rounds.c.scope == scope, rounds.c.finished_at.is_(None))
                .order_by(rounds.c.id.desc())
                .limit(1)
            ).first()
            if row is not None:
                live = conn.execute(
                    select(func.count()).select_from(sources).where(sources.c.lease_expires > now)
                ).scalar_one()
                started = (
                    row.started_at.replace(tzinfo=UTC) if row.started_at.tzinfo is None else row.started_at
                )
                if live or started > now - timedelta(seconds=lease_seconds):
                    return Round(id=int(row.id), joined=True)
                conn.execute(
                    update(rounds)
                    .where(rounds.c.id == row.id)
                    .values(finished_at=now, closed_by=f"expired:{owner}")
                )
            new_id = conn.execute(
                insert(rounds).values(scope=scope, started_at=now).returning(rounds.c.id)
            ).scalar_one()
            return Round(id=int(new_id), joined=False)

    def claim_source(self, name: str, *, round_id: int, owner: str, lease_seconds: int) -> bool:
        """Lease ``name`` to ``owner``; False when it is done in this round or leased by another."""
        now = clock.now()
        with self._engine.begin() as conn:
            got = conn.execute(
                select(sources.c.name)
                .where(
                    sources.c.name == name,
                    or_(sources.c.round_done.is_(None), sources.c.round_done != round_id),
                    or_(
                        sources.c.lease_owner.is_(None),
                        sources.c.lease_expires <= now,
                        sources.c.lease_owner == owner,
                    ),
                )
                .with_for_update(skip_locked=True)
            ).first()
            if got is None:
                return False
            conn.execute(
                update(sources)
                .where(sources.c.name == name)
                .values(lease_owner=owner, lease_expires=now + timedelta(seconds=lease_seconds))
            )
            return True

    def finish_sources(self, names: Sequence[str], *, round_id: int, owner: str) -> None:
        """``owner`` is done with ``names`` in this round (stored or failed): free them and mark
        them done, in one transaction."""
        with self._engine.begin() as conn:
            conn.execute(
                update(sources)
                .where(sources.c.name.in_(list(names)), sources.c.lease_owner == owner)
                .values(lease_owner=None, lease_expires=None, round_done=round_id)
            )

    def close_round(self, names: Sequence[str], *, round_id: int, owner: str) -> bool:
        """Close the round when all of ``names`` are done; True for the one worker that closed it."""
        with self._engine.begin() as conn:
            done = conn.execute(
                select(func.count())
                .select_from(sources)
                .where(sources.c.name.in_(list(names)), sources.c.round_done == round_id)
            ).scalar_one()
            if done < len(set(names)):
                return False
            result = conn.execute(
                update(rounds)
                .where(rounds.c.id == round_id, rounds.c.finished_at.is_(None))
                .values(finished_at=clock.now(), closed_by=owner)
            )
            return bool(result.rowcount)


@dataclass(slots=True)
class SourceLeases:
    """The claims of one worker in one round (what ``Pipeline.ingest`` asks before a source)."""

    store: StoreProtocol
    round: Round
    owner: str  # "worker:pid"
    lease_seconds: int

    def claim(self, name: str) -> bool:
        """Lease ``name`` for this worker; False when it is done in this round or leased by another."""
        return self.store.claim_source(
            name, round_id=self.round.id, owner=self.owner, lease_seconds=self.lease_seconds
        )

    def release(self, name: str) -> None:
        """The source is done for this round (stored or failed): free it and mark it done."""
        self.release_many([name])

    def release_many(self, names: Sequence[str]) -> None:
        """:meth:`release` for several sources, in one transaction."""
        self.store.finish_sources(names, round_id=self.round.id, owner=self.owner)

    def close_round(self, names: Sequence[str]) -> bool:
        """Close the round when all of ``names`` are done; True for the one worker that closed it."""
        return self.store.close_round(names, round_id=self.round.id, owner=self.owner)
