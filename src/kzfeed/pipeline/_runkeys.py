"""The stored story keys one run's sources read (:class:`RunStoryKeys`): where only the run
writes, kept for its next sources and kept true as each is stored."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from kzfeed.models import Item, StoryKey
from kzfeed.storage import StoreProtocol
from kzfeed.stories import StoredKeys, StoredReports, StoryLookup, seen_order, story_key

__all__ = ["RunStoryKeys"]


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
                    made[item.id] = story_key(item, now)  # as Store.story_keys reads it
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
