"""Retention with the feeds in mind: old items go, unless a feed still shows them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kzfeed.config import Config
from kzfeed.models import TOPICS
from kzfeed.pipeline import feed_specs
from kzfeed.storage import Store
from kzfeed.storage.retention import PrunePlan, plan_prune

__all__ = ["plan_retention", "shown_item_ids"]


def shown_item_ids(config: Config, store: Store) -> set[str]:
    """Ids of the items the feeds show now: the newest ``feed_size`` of the overall feed and of
    each topic feed (the same selection ``kzfeed.pipeline.build_outputs`` renders)."""
    relevant = store.items(relevant=True)
    topics = list(TOPICS) + sorted({t for i in relevant for t in i.topics} - set(TOPICS))
    shown: set[str] = set()
    for spec in feed_specs(config, topics):
        topic = spec.key.removeprefix("topic:") if spec.key != "all" else None
        shown.update(
            i.id for i in [i for i in relevant if topic is None or topic in i.topics][: config.feed_size]
        )
    return shown


def plan_retention(
    config: Config, store: Store, older_than: timedelta, *, now: datetime | None = None
) -> PrunePlan:
    """What ``kzfeed prune --older-than`` drops: items and runs older than that, except items in feeds."""
    cutoff = (now or datetime.now(UTC)).replace(microsecond=0) - older_than
    return plan_prune(store, cutoff, keep=shown_item_ids(config, store))
