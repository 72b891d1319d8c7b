"""The stories of a run's batch (what the stored items around it are read as), and making every
stored item's story again (``kzfeed stories --rebuild``), a batch at a time."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, MutableMapping, Sequence
from dataclasses import replace
from datetime import datetime

from kzfeed.models import Item
from kzfeed.storage import StoreProtocol
from kzfeed.stories import Signals, StoryIndex, assign_stories, report_windows, story_lookup

__all__ = ["rebuild_stories", "remember_reports", "story_index"]


def story_index(
    store: StoreProtocol, batch: Sequence[Item], now: datetime, memo: MutableMapping[tuple[str, str], Signals]
) -> StoryIndex:
    """The stored story keys and reports ``batch`` can join: those around its dates and those
    sharing a key with it, never every stored item. The keys read hold every stored report
    published within the batch's report windows (the story spans are wider), so the reports
    are taken from them; only those whose signals ``memo`` (kept for the run) lacks are read in
    full: each stored report once a run, not once per source that brings news."""
    look = story_lookup(batch, now)
    keys = store.story_keys(
        ids=look.ids, hashes=look.hashes, urls=look.urls, guids=look.guids, spans=look.spans
    )
    index = StoryIndex(keys)
    windows = report_windows(batch)
    if windows:  # reports of the same event in other languages
        reports = [k for k in keys if k.published and any(a <= k.published <= b for a, b in windows)]
        index.add_stored_reports(reports, lambda ids: store.items_by_id(ids).values(), memo)
    return index


def remember_reports(
    memo: MutableMapping[tuple[str, str], Signals],
    index: StoryIndex,
    stored: Iterable[Item],
    new: Collection[str],
) -> None:
    """Keep in ``memo`` the signals ``index`` worked out for the items just stored as ``new``
    (ids): the next sources' windows hold them, and need not read them back."""
    for item in stored:
        if item.id in new and (found := index.stored_report(item)) is not None:
            memo[(item.id, item.content_hash)] = found


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
