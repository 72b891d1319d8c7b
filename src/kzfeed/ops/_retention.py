"""Retention with the feeds in mind: old items go, unless a feed still shows them."""

from __future__ import annotations

from datetime import datetime, timedelta

from kzfeed import clock
from kzfeed.config import Config
from kzfeed.storage import PrunePlan, StoreProtocol

__all__ = ["plan_retention", "shown_item_ids"]


def shown_item_ids(config: Config, store: StoreProtocol) -> set[str]:
    """Ids of the items subscribers can still reach: every item in the feeds, and in their
    RFC 5005 archive pages (``kzfeed.publish._write``), which together hold every relevant item.
    Archive pages are written once and numbered by arrival, so dropping an archived item
    would shift the pages written after it."""
    return {item.id for item in store.items(relevant=True)}


def plan_retention(
    config: Config, store: StoreProtocol, older_than: timedelta, *, now: datetime | None = None
) -> PrunePlan:
    """What ``kzfeed prune --older-than`` drops: items and runs older than that, except items in feeds."""
    cutoff = (now or clock.now()) - older_than
    return store.plan_prune(cutoff, keep=shown_item_ids(config, store))
