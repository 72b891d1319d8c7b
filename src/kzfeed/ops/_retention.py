"""Retention with the feeds in mind: old items go, unless a feed still shows them."""

from __future__ import annotations

from datetime import datetime, timedelta

from kzfeed import clock
from kzfeed.config import Config
from kzfeed.storage import PrunePlan, StoreProtocol

__all__ = ["plan_retention"]


def plan_retention(
    config: Config, store: StoreProtocol, older_than: timedelta, *, now: datetime | None = None
) -> PrunePlan:
    """What ``kzfeed prune --older-than`` drops: items and runs older than that, except items
    the subscribers can still reach. Those are every relevant item: the feeds and their RFC 5005
    archive pages (``kzfeed.publish``) together hold them all, and archive pages are written
    once and numbered by arrival, so dropping an archived item would shift the pages after it.
    ``config`` is the project's (retention may depend on it; today it does not)."""
    cutoff = (now or clock.now()) - older_than
    return store.plan_prune(cutoff)
