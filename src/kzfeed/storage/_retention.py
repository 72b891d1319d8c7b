"""Retention: dropping old items and run history so the database does not grow without bound.

Every relevant item is kept: the feeds and their RFC 5005 archive pages, numbered by arrival,
show them all, and dropping one would shift the pages written after it. So retention drops
old items left out of the feeds, by one ``DELETE`` each: nothing is read into memory however
many there are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select

from kzfeed.storage._base import StoreBase
from kzfeed.storage._schema import item_date, items, runs

__all__ = ["PrunePlan", "PrunedItem", "RetentionMixin"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PrunedItem:
    id: str
    title: str
    date: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class PrunePlan:
    """What ``kzfeed prune`` drops, and how many old items it keeps because feeds show them."""

    cutoff: datetime
    #: how many items it drops (list them with ``prunable_items``)
    items: int
    kept_shown: int
    runs: int


def _old(cutoff: datetime) -> Any:
    return item_date < cutoff


class RetentionMixin(StoreBase):
    """Dropping what is older than a cutoff."""

    def plan_prune(self, cutoff: datetime) -> PrunePlan:
        """How many items dated before ``cutoff`` (last update, else publication, else first
        seen) go (those left out of the feeds) and stay (those in them); runs started before
        ``cutoff``."""
        with self._engine.connect() as conn:
            counts: dict[bool, int] = dict(
                conn.execute(
                    # a range of the index on (relevant, date) per value, not a pass over the items
                    select(items.c.relevant, func.count())
                    .where(items.c.relevant.in_([False, True]), _old(cutoff))
                    .group_by(items.c.relevant)
                ).all()
            )
            old_runs = conn.execute(
                select(func.count())
                .select_from(runs)
                .where(runs.c.started_at < cutoff, runs.c.status != "running")
            ).scalar_one()
        return PrunePlan(
            cutoff=cutoff,
            items=int(counts.get(False, 0)),
            kept_shown=int(counts.get(True, 0)),
            runs=int(old_runs),
        )

    def prunable_items(self, cutoff: datetime, *, batch: int = 500) -> Iterator[PrunedItem]:
        """The items ``plan_prune(cutoff)`` counts as dropped, oldest first, read ``batch`` rows
        at a time."""
        query = (
            select(items.c.id, items.c.title, item_date.label("date"))
            .where(_old(cutoff), items.c.relevant.is_(False))
            .order_by(item_date, items.c.id)
        )
        with self._engine.connect() as conn:
            for rows in conn.execution_options(yield_per=batch).execute(query).partitions(batch):
                yield from (PrunedItem(id=r.id, title=r.title, date=r.date) for r in rows)

    def apply_prune(self, plan: PrunePlan) -> None:
        """Delete the items left out of the feeds and dated before the plan's cutoff (with their
        topics, entities and search entries) and the old runs with what they did per source.
        One transaction: all or nothing."""
        with self._engine.begin() as conn:
            conn.execute(delete(items).where(_old(plan.cutoff), items.c.relevant.is_(False)))
            conn.execute(delete(runs).where(runs.c.started_at < plan.cutoff, runs.c.status != "running"))
