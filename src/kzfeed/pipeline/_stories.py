"""Making every stored item's story again (``kzfeed stories --rebuild``), a batch at a time."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, MutableMapping
from dataclasses import replace
from datetime import datetime

from kzfeed import clock
from kzfeed.models import Item
from kzfeed.storage import Arrived, StoreProtocol
from kzfeed.stories import (
    NEAR_DUPLICATE_BITS,
    FeatureCounts,
    Signals,
    StoryIndex,
    assign_stories,
    fingerprint,
    report_windows,
    story_lookup,
)

__all__ = ["rebuild_stories"]

#: the story signals of this many reports are kept between batches, the last worked out: a
#: batch's reports are read back as stored reports by the next few batches (around their dates)
_MEMO = 10_000


class _Recent(OrderedDict[tuple[str, str], Signals]):
    """Reports' story signals by (id, content hash); the oldest go once there are ``_MEMO``."""

    def __setitem__(self, key: tuple[str, str], value: Signals) -> None:
        super().__setitem__(key, value)
        if len(self) > _MEMO:
            self.popitem(last=False)


def rebuild_stories(
    store: StoreProtocol, *, batch_size: int = 500, on_batch: Callable[[int], None] | None = None
) -> int:
    """Cluster every stored item again from scratch, in the order kzfeed first saw them (as
    ``kzfeed.stories.recluster`` does), reading and storing ``batch_size`` items at a time.

    Each batch is matched as a run matches what a source brought: against the story keys and
    reports read from the database around the batch (same id, hash, URL or guid; published
    near its dates), of the items this pass has already done, never against every item. So
    memory follows the batch and the stories around its dates, not what is stored. When a
    report merges stories of earlier batches, their stored reports move with it. Returns how
    many items changed story; ``on_batch(n)`` is called after each batch of ``n``."""
    changed = 0
    arrived: Arrived | None = None
    done_then: set[str] = set()  # the items done that were first seen at arrived.first_seen
    memo = _Recent()
    counts = FeatureCounts()  # rarity over every report done, as when all were in one index
    for batch in store.items_by_arrival(batch_size):
        fresh = [replace(i, story_id=None) for i in batch]
        index = _index_around(store, fresh, arrived, memo, counts)
        assigned = assign_stories(fresh, index, memo)
        changed += store.save_stories(assigned, merges=index.merges())
        arrived = _after(arrived, batch, done_then)
        if on_batch is not None:
            on_batch(len(batch))
    return changed


def _index_around(
    store: StoreProtocol,
    batch: list[Item],
    arrived: Arrived | None,
    memo: MutableMapping[tuple[str, str], Signals],
    counts: FeatureCounts,
) -> StoryIndex:
    """The story keys and reports of the items done so far that ``batch`` can join."""
    if arrived is None:  # the first batch: nothing done yet
        return StoryIndex(counts=counts)
    look = story_lookup(batch, clock.now())
    # as when every item was in one index: a dated report is compared with every fingerprint
    # without a date, and one without a date with every fingerprint (the near ones are read)
    undated = [p for i in batch if i.published is None and (p := fingerprint(i.content_text)) is not None]
    index = StoryIndex(
        store.story_keys(
            ids=look.ids,
            hashes=look.hashes,
            urls=look.urls,
            guids=look.guids,
            spans=look.spans,
            arrived=arrived,
            undated=True,
            near=undated,
            near_bits=NEAR_DUPLICATE_BITS,
        ),
        counts,
    )
    windows = report_windows(batch)
    if windows:  # reports of the same event in other languages
        index.add_reports(store.story_reports(windows, arrived=arrived), memo)
    return index


def _after(arrived: Arrived | None, batch: list[Item], done_then: set[str]) -> Arrived:
    """``arrived`` and ``batch`` (the next items in the order kzfeed first saw them) done;
    ``done_then`` is updated to hold the items done that were first seen when the last was."""
    last: datetime = max(i.first_seen for i in batch if i.first_seen is not None)
    if arrived is None or arrived.first_seen != last:
        done_then.clear()
    done_then.update(i.id for i in batch if i.first_seen == last)
    return Arrived(first_seen=last, ids=done_then)
