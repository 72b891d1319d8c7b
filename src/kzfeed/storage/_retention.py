"""Retention: dropping old items and run history so the database does not grow without bound."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from kzfeed.storage._base import StoreBase, chunks
from kzfeed.storage._schema import items, runs

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
    items: tuple[PrunedItem, ...]
    kept_shown: int
    runs: int


class RetentionMixin(StoreBase):
    """Dropping what is older than a cutoff."""

    def plan_prune(self, cutoff: datetime, *, keep: Collection[str]) -> PrunePlan:
        """Items dated before ``cutoff`` (last update, else publication, else first seen) and not in
        ``keep``; runs started before ``cutoff``."""
        date = func.coalesce(items.c.updated, items.c.published, items.c.first_seen)
        with self._engine.connect() as conn:
            old = conn.execute(
                select(items.c.id, items.c.title, items.c.updated, items.c.published, items.c.first_seen)
                .where(date < cutoff)
                .order_by(date, items.c.id)
            ).all()
            old_runs = conn.execute(
                select(func.count())
                .select_from(runs)
                .where(runs.c.started_at < cutoff, runs.c.status != "running")
            ).scalar_one()
        dropped = tuple(
            PrunedItem(id=r.id, title=r.title, date=r.updated or r.published or r.first_seen)
            for r in old
            if r.id not in keep
        )
        return PrunePlan(cutoff=cutoff, items=dropped, kept_shown=len(old) - len(dropped), runs=int(old_runs))

    def apply_prune(self, plan: PrunePlan) -> None:
        """Delete what ``plan`` lists: items with their topics, entities and search entries, and the
        old runs with what they did per source. One transaction: all or nothing."""
        with self._engine.begin() as conn:
            for chunk in chunks([i.id for i in plan.items]):
                conn.execute(delete(items).where(items.c.id.in_(chunk)))
            conn.execute(delete(runs).where(runs.c.started_at < plan.cutoff, runs.c.status != "running"))
