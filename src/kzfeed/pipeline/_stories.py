"""The stories of a run's batch (what the stored items around it are read as), and making every
stored item's story again (``kzfeed stories --rebuild``), a batch at a time."""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, MutableMapping, Sequence
from dataclasses import replace
from datetime import datetime

from kzfeed import clock
from kzfeed.models import Item
from kzfeed.pipeline._runkeys import RunStoryKeys
from kzfeed.storage import Arrived, StoreProtocol
from kzfeed.stories import (
    NEAR_DUPLICATE_BITS,
    SIGNALS_VERSION,
    FeatureCounts,
    Signals,
    StoryIndex,
    ViewedStoryIndex,
    assign_stories,
    fingerprint,
    report_windows,
    story_lookup,
)

__all__ = ["RunStoryKeys", "rebuild_stories", "remember_reports", "signals_rows", "story_index"]


def story_index(
    keys: RunStoryKeys, batch: Sequence[Item], now: datetime, memo: MutableMapping[tuple[str, str], Signals]
) -> StoryIndex:
    """The stored story keys and reports ``batch`` can join: those around its dates and those
    sharing a key with it, never every stored item. The keys read hold every stored report
    published within the batch's report windows (the story spans are wider), so the reports
    are taken from them; only those whose signals ``memo`` (kept for the run) lacks are read in
    full: each stored report once a run, not once per source that brings news. Where the run
    keeps the keys it read (SQLite), the index views them, and the reports, there."""
    look = story_lookup(batch, now)
    windows = report_windows(batch)
    index: StoryIndex
    if keys.reports is not None:
        keys.look(look)
        index = ViewedStoryIndex(keys.kept, look)
        reports = keys.reports_within(windows)
    else:
        found = keys.read(look)
        index = StoryIndex(found)
        starts = [since for since, _ in windows]  # apart and in order (``spans`` joins them)
        reports = [
            k
            for k in found
            if k.published
            and (at := bisect_right(starts, k.published) - 1) >= 0
            and k.published <= windows[at][1]
        ]
    if windows:  # reports of the same event in other languages
        # (the reports the run keeps already, for the same key, have their signals)
        known = keys.reports.known(reports) if keys.reports is not None else [None] * len(reports)
        missing = [
            (k.item_id, k.content_hash)
            for k, found in zip(reports, known, strict=True)
            if found is None and (k.item_id, k.content_hash) not in memo
        ]
        kept = _kept_signals(keys.store, missing, memo)
        load = lambda ids: keys.store.items_by_id(ids).values()  # noqa: E731
        if keys.reports is not None:  # every stored report of the windows is in the run's keys
            index.view_stored_reports(reports, load, memo, keys.reports, windows, known)
        else:
            index.add_stored_reports(reports, load, memo)
        worked_out = [(i, h) for i, h in missing if (i, h) not in kept and (i, h) in memo]
        keys.store.save_story_signals(
            [(i, h, SIGNALS_VERSION, memo[(i, h)].to_json()) for i, h in worked_out]
        )
    return index


def _kept_signals(
    store: StoreProtocol, wanted: Sequence[tuple[str, str]], memo: MutableMapping[tuple[str, str], Signals]
) -> set[tuple[str, str]]:
    """Put in ``memo`` the signals the database keeps for the reports ``wanted`` ((id, content
    hash) pairs): those kept for that content and this version of the signals. Returns the
    pairs found; the others are worked out from the stored items (and kept for the next runs)."""
    found = set()
    if wanted:
        stored = store.story_signals([item_id for item_id, _ in wanted], SIGNALS_VERSION)
        for item_id, content_hash in wanted:
            row = stored.get(item_id)
            if row is not None and row[0] == content_hash:
                memo[(item_id, content_hash)] = Signals.from_json(row[1])
                found.add((item_id, content_hash))
    return found


def remember_reports(
    memo: MutableMapping[tuple[str, str], Signals],
    index: StoryIndex,
    stored: Iterable[Item],
    new: Collection[str],
) -> None:
    """Keep in ``memo`` the signals ``index`` worked out for the items just stored as ``new``
    (ids): the next sources' windows hold them, and need not read them back."""
    for item in stored:
        if item.id in new and (found := _as_stored(index, item)) is not None:
            memo[(item.id, item.content_hash)] = found


def signals_rows(index: StoryIndex, batch: Iterable[Item]) -> list[tuple[str, str, str, str]]:
    """The story signals ``index`` worked out for the items of ``batch``, as the database keeps
    them (``Store.save_source`` keeps those of the items it stores new), for the next runs."""
    return [
        (item.id, item.content_hash, SIGNALS_VERSION, found.to_json())
        for item in batch
        if (found := _as_stored(index, item)) is not None
    ]


def _as_stored(index: StoryIndex, item: Item) -> Signals | None:
    """The signals ``index`` worked out for ``item``, where they equal those worked out again
    from the stored item: its entities and topics in the order the database gives them back
    (most mentioned, highest score first), which orders the features, which orders the sums of
    the similarity. None otherwise (they are worked out from the stored item when needed)."""
    c = item.classification
    if c is not None and (
        list(c.entities) != sorted(c.entities, key=lambda e: (-e.mentions, e.name))
        or list(c.topics) != sorted(c.topics, key=lambda t: (-t.score, t.topic))
    ):
        return None
    return index.events.signals_of(item.id)


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
