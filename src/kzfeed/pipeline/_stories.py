"""The stories of a run's batch (what the stored items around it are read as), and making every
stored item's story again (``kzfeed stories --rebuild``), a batch at a time."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from kzfeed import clock
from kzfeed.models import Item, StoryKey
from kzfeed.storage import Arrived, StoreProtocol
from kzfeed.stories import (
    NEAR_DUPLICATE_BITS,
    SIGNALS_VERSION,
    FeatureCounts,
    Signals,
    StoredKeys,
    StoredReports,
    StoryIndex,
    StoryLookup,
    ViewedStoryIndex,
    assign_stories,
    fingerprint,
    key_as_stored,
    report_windows,
    seen_order,
    story_lookup,
)

__all__ = ["RunStoryKeys", "rebuild_stories", "remember_reports", "signals_rows", "story_index"]


Span = tuple[datetime, datetime]


class RunStoryKeys:
    """The stored story keys one run's sources read. Where only this run writes while it runs
    (SQLite, under the run lock), the keys of a period once read are kept for the next sources
    (whose periods mostly overlap: a run of many feeds brings news of the same days), and kept
    true as each source is stored: a source reads only the periods no earlier one read, and the
    keys sharing an exact key with its items, and its index views the keys kept
    (``ViewedStoryIndex``); on a database without items when the run began (a first update)
    none, every stored item being one of its sources', kept as stored. Elsewhere (PostgreSQL,
    where other workers store at the same time) each source reads all its keys again. (``stories --rebuild`` and ``prune`` take no run lock:
    one of them at the same time as a run leaves that run's later sources grouped by the keys
    read before it, as a source's own index always was.)"""

    def __init__(self, store: StoreProtocol) -> None:
        self.store = store
        self._keep = store.runs_exclusive
        #: every stored item of the periods in ``_covered`` (and others), by id, story, exact
        #: key and day
        self.kept = StoredKeys()
        self._covered: list[Span] = []
        #: the keys kept that have a date (:func:`_when`), sorted by it: ``_dates``, and the
        #: item ids at the same positions (a source's periods are found by bisection, not by
        #: looking at every key the run read: that grew with the square of the sources)
        self._dates: list[datetime] = []
        self._dated: list[str] = []
        #: the keys kept that have a publication date, sorted by it: ``_published``, and at the
        #: same positions each key's place in ``store.story_keys``' order (:func:`_rank`; a
        #: story merge does not change it) and item id, so that the reports of a source's
        #: windows are sorted by comparing integers (:meth:`reports_within`); how many of them
        #: have no rank
        self._published: list[datetime] = []
        self._reports: list[tuple[_Rank | None, str]] = []
        self._unranked = 0
        #: the stored reports of the periods read, with their signals, viewed by each source's
        #: index (kept true with the keys: a report whose key changes is forgotten)
        self.reports: StoredReports | None = StoredReports() if self._keep else None
        #: where the run keeps the keys: whether no item was stored when it began (its first
        #: update), asked as its first source looks its keys up (None: not yet). Then every
        #: stored item is one of this run's sources', kept as stored (:meth:`stored`), and the
        #: keys a source looks up are all kept: none is read
        self._all_kept: bool | None = None

    @property
    def keeps(self) -> bool:
        """Whether the keys read are kept for the run's next sources (SQLite)."""
        return self._keep

    def read(self, look: StoryLookup) -> list[StoryKey]:
        """The keys of ``store.story_keys`` for ``look``, in its order."""
        if not self._keep:
            return self._stored(look, look.spans)
        found = {key.item_id: key for key in self.look(look)}
        if self._all_kept:  # the keys sharing an exact key with the batch are kept, not read
            for key in self.kept.matching(look.ids, look.hashes, look.urls, look.guids):
                found.setdefault(key.item_id, key)
        for since, until in look.spans:  # as _within: published, else first seen, in a span
            start, end = bisect_left(self._dates, since), bisect_right(self._dates, until)
            for item_id in self._dated[start:end]:
                if item_id not in found:
                    found[item_id] = self._kept(item_id)
        return sorted(found.values(), key=seen_order)

    def look(self, look: StoryLookup) -> list[StoryKey]:
        """Keep the stored keys ``look`` reads that no earlier source read (the periods not read
        yet, and the keys sharing an exact key with the batch); returns those read now."""
        if self._all_kept is None:  # (before this run stores any item: under the run lock)
            self._all_kept = not self.store.has_items()
        unread = [piece for span in look.spans for piece in _uncovered(span, self._covered)]
        found = [] if self._all_kept else self._stored(look, unread)
        for key in found:
            self._keep_key(key)
        self._covered = _joined([*self._covered, *look.spans])
        return found

    def reports_within(self, windows: Sequence[Span]) -> list[StoryKey]:
        """The keys kept published within ``windows`` (apart, read by :meth:`look`), in the
        order ``store.story_keys`` gives them."""
        found = []
        for since, until in windows:
            found += self._reports[bisect_left(self._published, since) : bisect_right(self._published, until)]
        if self._unranked:  # (a key without a first-seen date, or with a naive one)
            return sorted((self._kept(item_id) for _, item_id in found), key=seen_order)
        found.sort()
        return [self._kept(item_id) for _, item_id in found]  # as kept now (a merge moves them)

    def _kept(self, item_id: str) -> StoryKey:
        key = self.kept.get(item_id)
        assert key is not None
        return key

    def _keep_key(self, key: StoryKey) -> None:
        """Keep ``key`` (in place of the item's key kept before), and in the indexes."""
        old = self.kept.get(key.item_id)
        if old == key:
            return
        if self.reports is not None:
            self.reports.changed(key.item_id, key.content_hash, key.published)
        if old is not None and (when := _when(old)) is not None:
            at = self._dated.index(
                old.item_id, bisect_left(self._dates, when), bisect_right(self._dates, when)
            )
            del self._dates[at], self._dated[at]
            if (published := old.published) is not None:
                rank = _rank(old)
                at = self._reports.index(
                    (rank, old.item_id),
                    bisect_left(self._published, published),
                    bisect_right(self._published, published),
                )
                del self._published[at], self._reports[at]
                self._unranked -= rank is None
        self.kept.put(key)
        if (when := _when(key)) is not None:
            at = bisect_right(self._dates, when)
            self._dates.insert(at, when)
            self._dated.insert(at, key.item_id)
            if (published := key.published) is not None:
                at = bisect_right(self._published, published)
                self._published.insert(at, published)
                rank = _rank(key)
                self._reports.insert(at, (rank, key.item_id))
                self._unranked += rank is None

    def _stored(self, look: StoryLookup, spans: Sequence[Span]) -> list[StoryKey]:
        return self.store.story_keys(
            ids=look.ids, hashes=look.hashes, urls=look.urls, guids=look.guids, spans=spans
        )

    def stored(
        self,
        ids: Collection[str],
        merges: Mapping[str, str],
        *,
        new: Iterable[Item] = (),
        now: datetime | None = None,
    ) -> None:
        """A source's items ``ids`` were stored, and the stories ``merges`` moved (``{absorbed:
        survivor}``, as ``kzfeed.storage`` moves them): keep the keys true. ``new``: the items
        of ``ids`` stored new, first seen at ``now``, as stored (with their fingerprint and
        story): their keys are made from them as ``store.story_keys`` reads them back, and
        only the others are read (a first run stores every item new)."""
        if not self._keep:
            return
        for absorbed, survivor in sorted(merges.items()):
            if absorbed != survivor:
                self.kept.move(absorbed, survivor)
        made: dict[str, StoryKey] = {}
        if now is not None:
            for item in new:
                if item.id not in made:  # (the first of one id, as stored)
                    made[item.id] = key_as_stored(item, now)
        rest = [i for i in ids if i not in made]
        keys = [*made.values(), *(self.store.story_keys(ids=rest) if rest else ())]
        for key in sorted(keys, key=seen_order):  # as stored: first seen, story, fingerprint
            self._keep_key(key)


#: a key's place in :func:`seen_order` as integers: its first-seen date and its date
#: (published, else first seen), each in microseconds since 1970, then its item id
_Rank = tuple[int, int, str]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _rank(key: StoryKey) -> _Rank | None:
    """The integers that order ``key`` among others as :func:`seen_order` does (dates that
    compare faster, and as exactly); None without a first-seen date or with a naive date."""
    seen, dated = key.first_seen, key.published or key.first_seen
    if seen is None or dated is None or seen.tzinfo is None or dated.tzinfo is None:
        return None
    return ((seen - _EPOCH) // _MICROSECOND, (dated - _EPOCH) // _MICROSECOND, key.item_id)


def _when(key: StoryKey) -> datetime | None:
    """The date ``store.story_keys`` reads a key for within a span: published, or without a
    date, first seen."""
    return key.published if key.published is not None else key.first_seen


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
