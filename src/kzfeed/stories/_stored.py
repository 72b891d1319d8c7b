"""The stored story keys and reports one run has read, kept for all its sources: each source's
index (``kzfeed.stories._view.ViewedStoryIndex``, ``kzfeed.stories._events.EventIndex.viewing``)
views those around its batch instead of indexing them again, key by key and feature by feature
(that grew with sources × the keys of a window).

Rarity is still counted over the reports of the source's windows, as an index of those alone
counts it: how many are published within the windows, and how many of those have a feature, are
found by bisection in the dates kept here, per feature.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from kzfeed.models import Item, StoryKey
from kzfeed.stories._signals import Signals

__all__ = [
    "StoredKeys",
    "StoredReports",
    "Window",
    "exact_keys",
    "microseconds",
    "story_key",
    "uri_guid",
]

Window = tuple[datetime, datetime]
MASK = (1 << 64) - 1
_URI = re.compile(r"^[a-z][a-z0-9+.-]*:\S", re.I)


def uri_guid(guid: str) -> str | None:
    # only guids that name the article world-wide (URLs, URNs) say two sources carry the same
    # one; a file name such as "001.txt" does not
    return guid if _URI.match(guid) else None


def exact_keys(key: StoryKey) -> list[str]:
    """The keys by which two items are copies: the content hash, canonical URL, world-wide guid."""
    keys = [f"hash:{key.content_hash}"]
    if key.canonical_url:
        keys.append(f"url:{key.canonical_url}")
    guid = uri_guid(key.guid)
    if guid:
        keys.append(f"guid:{guid}")
    return keys


def story_key(item: Item, now: datetime | None = None) -> StoryKey:
    """What story clustering needs to know of ``item``; with ``now``, the key ``Store.story_keys``
    reads back for it stored new at ``now`` (times in UTC, ``first_seen`` set)."""
    published = item.published
    if now is not None and published is not None:
        published = published.astimezone(UTC)
    return StoryKey(
        item_id=item.id,
        story_id=item.story_id,
        guid=item.guid,
        canonical_url=item.canonical_url,
        content_hash=item.content_hash,
        simhash=item.simhash,
        published=published,
        first_seen=now.astimezone(UTC) if now is not None else None,
    )


def day_of(when: datetime) -> int:
    return int(when.timestamp() // 86400)


def seen_order(key: StoryKey) -> tuple[datetime | None, datetime | None, str]:
    """``Store.story_keys``' order: first seen, then published (else first seen), then id."""
    return (key.first_seen, key.published or key.first_seen, key.item_id)


class StoredKeys:
    """Stored story keys by item id, and by story, exact key and day of publication of their
    fingerprint (None: no date); each key as the database has it now (the run keeps them true)."""

    def __init__(self) -> None:
        self._keys: dict[str, StoryKey] = {}
        self._members: dict[str, set[str]] = {}
        self._exact: dict[str, set[str]] = {}
        #: day -> item id -> fingerprint (unsigned)
        self._prints: dict[int | None, dict[str, int]] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, item_id: str) -> StoryKey | None:
        return self._keys.get(item_id)

    def put(self, key: StoryKey) -> None:
        """Keep ``key`` (in place of the item's key kept before)."""
        old = self._keys.get(key.item_id)
        if old == key:
            return
        if old is not None:
            self._members[old.story_id or old.item_id].discard(old.item_id)
            for exact in exact_keys(old):
                self._exact[exact].discard(old.item_id)
            if old.simhash is not None:
                del self._prints[_print_day(old)][old.item_id]
        self._keys[key.item_id] = key
        self._members.setdefault(key.story_id or key.item_id, set()).add(key.item_id)
        for exact in exact_keys(key):
            self._exact.setdefault(exact, set()).add(key.item_id)
        if key.simhash is not None:
            self._prints.setdefault(_print_day(key), {})[key.item_id] = key.simhash & MASK

    def move(self, absorbed: str, survivor: str) -> None:
        """The items of story ``absorbed`` are now in story ``survivor``."""
        moved = self._members.pop(absorbed, set())
        for item_id in moved:
            self._keys[item_id] = replace(self._keys[item_id], story_id=survivor)
        self._members.setdefault(survivor, set()).update(moved)

    def matching(
        self, ids: Iterable[str], hashes: Iterable[str], urls: Iterable[str], guids: Iterable[str]
    ) -> list[StoryKey]:
        """The keys kept with one of ``ids``, content ``hashes``, canonical ``urls`` or
        world-wide ``guids`` (as ``Store.story_keys`` finds them)."""
        found = set(ids)
        for kind, values in (("hash", hashes), ("url", urls), ("guid", guids)):
            for value in values:
                found.update(self._exact.get(f"{kind}:{value}", ()))
        return [key for i in found if (key := self._keys.get(i)) is not None]

    def members(self, story: str) -> set[str]:
        """The items kept whose story is ``story``."""
        return self._members.get(story, set())

    def with_exact(self, exact: str) -> set[str]:
        """The items kept that have the exact key ``exact`` (see :func:`exact_keys`)."""
        return self._exact.get(exact, set())

    def prints(self, day: int | None) -> dict[str, int]:
        """The fingerprints of the items kept published on ``day`` (None: without a date)."""
        return self._prints.get(day, {})

    def days(self) -> list[int | None]:
        return list(self._prints)


def _print_day(key: StoryKey) -> int | None:
    return day_of(key.published) if key.published else None


class StoredReports:
    """Stored reports (each with a publication date) by item id: the content hash and date of
    the stored key they were read for, and their signals."""

    def __init__(self) -> None:
        self._entry: dict[str, tuple[str, datetime, Signals]] = {}
        #: the dates of every report kept, and per feature of those that have it, sorted (as
        #: microseconds since 1970: integers compare faster than dates, and as exactly)
        self._dates: list[int] = []
        self._feature_dates: dict[str, list[int]] = {}
        #: feature -> the reports that have it, at the positions of their dates in
        #: ``_feature_dates`` (lists: most features have one or two)
        self._holders: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self._entry)

    def add(self, item_id: str, content_hash: str, published: datetime, signals: Signals) -> None:
        """Keep a report read for a stored key (in place of another version of the item)."""
        entry = self._entry.get(item_id)
        if entry is not None:
            if entry[:2] == (content_hash, published):
                return
            self.drop(item_id)
        self._entry[item_id] = (content_hash, published, signals)
        at = microseconds(published)
        insort(self._dates, at)
        for feature in signals.features:
            dates = self._feature_dates.setdefault(feature, [])
            where = bisect_right(dates, at)
            dates.insert(where, at)
            self._holders.setdefault(feature, []).insert(where, item_id)

    def keep(self, reports: Iterable[tuple[StoryKey, Signals | None]]) -> list[tuple[StoryKey, Signals]]:
        """:meth:`add` each report read for a stored key (each key with its signals), and
        :meth:`drop` those without signals (gone since their key was read) or a date; returns
        the reports kept, in order."""
        kept, entries = [], self._entry
        for key, signals in reports:
            if signals is None or key.published is None:
                self.drop(key.item_id)
                continue
            entry = entries.get(key.item_id)
            if entry is None or entry[0] != key.content_hash or entry[1] != key.published:
                self.add(key.item_id, key.content_hash, key.published, signals)
            kept.append((key, signals))
        return kept

    def known(self, keys: Iterable[StoryKey]) -> list[Signals | None]:
        """The signals kept of each of ``keys``' reports, where kept for that key (its content
        hash and date), else None: a run's sources view mostly the same reports, kept already."""
        entries = self._entry
        return [
            e[2]
            if (e := entries.get(k.item_id)) is not None and e[0] == k.content_hash and e[1] == k.published
            else None
            for k in keys
        ]

    def drop(self, item_id: str) -> None:
        """Forget the report of ``item_id`` (its stored key changed), if kept."""
        entry = self._entry.pop(item_id, None)
        if entry is None:
            return
        _, published, signals = entry
        at = microseconds(published)
        _remove(self._dates, at)
        for feature in signals.features:
            dates, holders = self._feature_dates[feature], self._holders[feature]
            where = holders.index(item_id, bisect_left(dates, at), bisect_right(dates, at))
            del dates[where], holders[where]

    def changed(self, item_id: str, content_hash: str, published: datetime | None) -> None:
        """The stored key of ``item_id`` is now this: its report is forgotten unless it is the same."""
        entry = self._entry.get(item_id)
        if entry is not None and entry[:2] != (content_hash, published):
            self.drop(item_id)

    def count(self, windows: Sequence[tuple[int, int]], feature: str | None = None) -> int:
        """How many reports kept are published within ``windows`` (apart, ends included, in
        :func:`microseconds`); with ``feature``, how many of those have it."""
        dates = self._dates if feature is None else self._feature_dates.get(feature)
        if not dates:
            return 0
        found = 0
        for since, until in windows:  # (asked for every feature of every candidate: no generator)
            found += bisect_right(dates, until) - bisect_left(dates, since)
        return found

    def counts(self, windows: Sequence[tuple[int, int]], features: Iterable[str]) -> list[tuple[str, int]]:
        """:meth:`count` of each of ``features``, in one call (one window, the usual case, without
        a call per feature)."""
        if len(windows) != 1:
            count = self.count
            return [(feature, count(windows, feature)) for feature in features]
        ((since, until),) = windows
        get = self._feature_dates.get
        return [
            (
                feature,
                bisect_right(dates, until) - bisect_left(dates, since) if (dates := get(feature)) else 0,
            )
            for feature in features
        ]

    def holders(self, feature: str) -> list[str]:
        """The reports kept that have ``feature``."""
        return self._holders.get(feature, [])

    def holders_within(self, windows: Sequence[tuple[int, int]], feature: str) -> list[str]:
        """The reports kept that have ``feature`` and are published within ``windows`` (as
        :meth:`count` counts them)."""
        dates = self._feature_dates.get(feature)
        if not dates:
            return []
        holders, found = self._holders[feature], []
        for since, until in windows:
            found += holders[bisect_left(dates, since) : bisect_right(dates, until)]
        return found


def _remove(dates: list[int], when: int) -> None:
    del dates[bisect_left(dates, when)]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def microseconds(when: datetime) -> int:
    """``when`` as microseconds since 1970 (UTC): in the same order as the dates, exactly."""
    return (when - _EPOCH) // _MICROSECOND
