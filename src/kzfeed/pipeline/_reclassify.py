"""Re-classify what is stored (after the vocabulary, the gazetteer or the classifier changed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kzfeed.models import Classification
from kzfeed.sources import Classifier
from kzfeed.storage import StoreProtocol

__all__ = ["ReclassifyReport", "reclassify"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReclassifyReport:
    """What ``kzfeed reclassify`` did."""

    items: int = 0
    #: items whose relevance, reason, topics, entities or evidence changed
    changed: int = 0
    #: of those, left out before and in the feeds now
    now_in_feeds: int = 0
    #: of those, in the feeds before and left out now
    now_left_out: int = 0


def _signature(c: Classification | None) -> tuple[Any, ...]:
    """What is stored of a classification, in a form that compares equal after a round trip."""
    if c is None:
        return ()
    return (
        c.relevant,
        round(c.relevance, 6),
        c.reason,
        c.classifier,
        c.evidence,
        tuple((t.topic, round(t.score, 6), t.evidence) for t in c.topics),
        tuple(sorted((e.name[:200], e.kind, e.mentions) for e in c.entities)),
    )


def reclassify(
    store: StoreProtocol,
    classifier: Classifier,
    *,
    batch_size: int = 200,
    on_batch: Callable[[int], None] | None = None,
) -> ReclassifyReport:
    """Run ``classifier`` over every stored item and store the new decisions of those that
    changed, one transaction per batch (an interrupted run keeps the batches done). Items keep
    their text, dates and ids; ``process_item`` plugins are not run again. ``on_batch(n)`` is
    called after each batch of ``n`` items."""
    total = changed = now_in = now_out = 0
    for batch in store.item_batches(batch_size):
        updates: list[tuple[str, Classification]] = []
        for item in batch:
            new = classifier.classify(item)
            if _signature(new) != _signature(item.classification):
                updates.append((item.id, new))
                now_in += new.relevant and not item.relevant
                now_out += item.relevant and not new.relevant
        if updates:
            store.update_classifications(updates)
        total += len(batch)
        changed += len(updates)
        if on_batch is not None:
            on_batch(len(batch))
    return ReclassifyReport(items=total, changed=changed, now_in_feeds=now_in, now_left_out=now_out)
