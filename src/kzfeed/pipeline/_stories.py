"""The stories of a run's batch (what the stored items around it are read as), and making every
stored item's story again (``kzfeed stories --rebuild``), a batch at a time."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import replace
from datetime import datetime

from kzfeed.models import Item, StoryKey
from kzfeed.storage import StoreProtocol
from kzfeed.stories import Signals, StoryIndex, StoryLookup, assign_stories, report_windows, story_lookup

__all__ = ["RunStoryKeys", "rebuild_stories", "remember_reports", "story_index"]


Span = tuple[datetime, datetime]


class RunStoryKeys:
    """The stored story keys one run's sources read. Where only this run writes while it runs
    (SQLite, under the run lock), the keys of a period once read are kept for the next sources
    (whose periods mostly overlap: a run of many feeds brings news of the same days), and kept
    true as each source is stored: a source reads only the periods no earlier one read, and the
    keys sharing an exact key with its items. Elsewhere (PostgreSQL, where other workers store
    at the same time) each source reads all its keys again. (``stories --rebuild`` and ``prune``
    take no run lock: one of them at the same time as a run leaves that run's later sources
    grouped by the keys read before it, as a source's own index always was.)"""

    def __init__(self, store: StoreProtocol) -> None:
        self.store = store
        self._keep = store.runs_exclusive
        #: item id -> key: every stored item of the periods in ``_covered`` (and others)
        self._seen: dict[str, StoryKey] = {}
        self._covered: list[Span] = []

    def read(self, look: StoryLookup) -> list[StoryKey]:
        """The keys of ``store.story_keys`` for ``look``, in its order."""
        exact = {"ids": look.ids, "hashes": look.hashes, "urls": look.urls, "guids": look.guids}
        if not self._keep:
            return self.store.story_keys(**exact, spans=look.spans)
        unread = [piece for span in look.spans for piece in _uncovered(span, self._covered)]
        found = {key.item_id: key for key in self.store.story_keys(**exact, spans=unread)}
        self._seen.update(found)
        self._covered = _joined([*self._covered, *look.spans])
        for item_id, key in self._seen.items():
            if item_id not in found and _within(key, look.spans):
                found[item_id] = key
        return sorted(found.values(), key=_seen_order)

    def stored(self, ids: Collection[str], merges: Mapping[str, str]) -> None:
        """A source's items ``ids`` were stored, and the stories ``merges`` moved (``{absorbed:
        survivor}``, as ``kzfeed.storage`` moves them): keep the keys true."""
        if not self._keep:
            return
        for absorbed, survivor in sorted(merges.items()):
            if absorbed == survivor:
                continue
            for item_id, key in list(self._seen.items()):
                if key.story_id == absorbed or (key.story_id is None and key.item_id == absorbed):
                    self._seen[item_id] = replace(key, story_id=survivor)
        if ids:  # as stored: first seen, story, fingerprint
            self._seen.update((key.item_id, key) for key in self.store.story_keys(ids=list(ids)))


def _within(key: StoryKey, spans: Sequence[Span]) -> bool:
    """Whether ``store.story_keys`` reads the key for ``spans``: published within one, or
    without a date, first seen within one."""
    when = key.published if key.published is not None else key.first_seen
    return when is not None and any(since <= when <= until for since, until in spans)


def _seen_order(key: StoryKey) -> tuple[datetime | None, datetime | None, str]:
    """``store.story_keys``' order: first seen, then published (else first seen), then id."""
    return (key.first_seen, key.published or key.first_seen, key.item_id)


def _uncovered(span: Span, covered: Sequence[Span]) -> list[Span]:
    """The parts of ``span`` outside the ``covered`` periods (sorted, apart), ends included."""
    since, until = span
    parts = []
    for start, end in covered:
        if end < since:
            continue
        if start > until:
            break
        if start > since:
            parts.append((since, start))
        since = max(since, end)
        if since >= until:
            return parts
    parts.append((since, until))
    return parts


def _joined(spans: Iterable[Span]) -> list[Span]:
    """The periods of ``spans`` with overlapping ones joined, oldest first."""
    found: list[Span] = []
    for since, until in sorted(spans):
        if found and since <= found[-1][1]:
            found[-1] = (found[-1][0], max(found[-1][1], until))
        else:
            found.append((since, until))
    return found


def story_index(
    keys: RunStoryKeys, batch: Sequence[Item], now: datetime, memo: MutableMapping[tuple[str, str], Signals]
) -> StoryIndex:
    """The stored story keys and reports ``batch`` can join: those around its dates and those
    sharing a key with it, never every stored item. The keys read hold every stored report
    published within the batch's report windows (the story spans are wider), so the reports
    are taken from them; only those whose signals ``memo`` (kept for the run) lacks are read in
    full: each stored report once a run, not once per source that brings news."""
    found = keys.read(story_lookup(batch, now))
    index = StoryIndex(found)
    windows = report_windows(batch)
    if windows:  # reports of the same event in other languages
        reports = [k for k in found if k.published and any(a <= k.published <= b for a, b in windows)]
        index.add_stored_reports(reports, lambda ids: keys.store.items_by_id(ids).values(), memo)
    return index


def remember_reports(
    memo: MutableMapping[tuple[str, str], Signals],
    index: StoryIndex,
    stored: Iterable[Item],
    new: Collection[str],
) -> None:
    """Keep in ``memo`` the signals ``index`` worked out for the items just stored as ``new``
    (ids): the next sources' windows hold them, and need not read them back. Only where they
    equal those worked out again from the stored item: its entities and topics in the order
    the database gives them back (most mentioned, highest score first), which orders the
    features, which orders the sums of the similarity."""
    for item in stored:
        c = item.classification
        if item.id not in new or (
            c is not None
            and (
                list(c.entities) != sorted(c.entities, key=lambda e: (-e.mentions, e.name))
                or list(c.topics) != sorted(c.topics, key=lambda t: (-t.score, t.topic))
            )
        ):
            continue
        if (found := index.events.signals_of(item.id)) is not None:
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
