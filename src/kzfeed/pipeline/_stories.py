"""Making every stored item's story again (``kzfeed stories --rebuild``), a batch at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from kzfeed.storage import StoreProtocol
from kzfeed.stories import StoryIndex, assign_stories

__all__ = ["rebuild_stories"]


def rebuild_stories(
    store: StoreProtocol, *, batch_size: int = 500, on_batch: Callable[[int], None] | None = None
) -> int:
    """Cluster every stored item again from scratch, in the order kzfeed first saw them (as
    ``kzfeed.stories.recluster`` does), reading and storing ``batch_size`` items at a time:
    only the story keys and signals of the items done stay in memory, not the items; when a
    report merges stories of earlier batches, their stored reports move with it. Returns
    how many items changed story; ``on_batch(n)`` is called after each batch of ``n``."""
    index = StoryIndex()
    changed = 0
    merged: dict[str, str] = {}  # stories of earlier batches that a later report merged
    for batch in store.items_by_arrival(batch_size):
        assigned = assign_stories([replace(i, story_id=None) for i in batch], index)
        merges = {k: v for k, v in index.merges().items() if merged.get(k) != v}
        changed += store.save_stories(assigned, merges=merges)
        merged.update(merges)
        if on_batch is not None:
            on_batch(len(batch))
    return changed
