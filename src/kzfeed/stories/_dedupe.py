"""Telling when items are one story: exact keys, then SimHash near-duplicates.

Two items are the same story when they share a canonical URL, a URI-like guid or a content
hash, or when the SimHash fingerprints of the word 2-shingles of their text differ in at most
``NEAR_DUPLICATE_BITS`` bits (a syndicated copy, a lightly edited rewrite) and their
publication dates, when both are known, are at most ``STORY_WINDOW`` apart. The threshold
comes from ``tests/test_dedupe.py``: syndicated copies and rewrites there differ in 2–6 bits;
different stories about the same minister and topic, and every pair of seed articles, in 20
or more. The headline is left out of the fingerprint: outlets retitle what they copy.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

from kzfeed.models import Item, Story, StoryKey
from kzfeed.stories._events import EVENT_WINDOW, EventIndex, EventMatch, FeatureCounts
from kzfeed.stories._signals import Signals, signals
from kzfeed.stories._stored import StoredReports, Window, day_of, exact_keys, story_key, uri_guid

__all__ = [
    "NEAR_DUPLICATE_BITS",
    "STORY_WINDOW",
    "StoryIndex",
    "StoryLookup",
    "assign_stories",
    "distance",
    "fingerprint",
    "group_stories",
    "recluster",
    "report_window",
    "report_windows",
    "shingles",
    "simhash",
    "spans",
    "story_key",
    "story_lookup",
]

#: the largest Hamming distance between two fingerprints of the same story
NEAR_DUPLICATE_BITS = 12
#: reports of one story are published within this time of each other
STORY_WINDOW = timedelta(days=10)
#: texts with fewer words than this are matched by exact keys only: their fingerprints are noise
MIN_WORDS = 40
_SHINGLE = 2
_BITS = 64
_MASK = (1 << _BITS) - 1
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, size: int = _SHINGLE) -> set[str]:
    """The overlapping runs of ``size`` words of ``text`` (case and punctuation ignored)."""
    return _shingles(_words(text), size)


def _shingles(words: list[str], size: int = _SHINGLE) -> set[str]:
    if len(words) < size:
        return {" ".join(words)} if words else set()
    if size == 2:  # every item's fingerprint: pairs joined in C
        return set(map(" ".join, pairwise(words)))
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def simhash(text: str) -> int:
    """A 64-bit SimHash of the word 2-shingles of ``text``, as a signed integer (so that it
    fits a SQL BIGINT)."""
    return _simhash(shingles(text))


def _simhash(found: set[str]) -> int:
    # a bit is set when more than half of the shingles' hashes have it
    digests = b"".join([hashlib.blake2b(s.encode(), digest_size=8).digest() for s in found])
    return _majority_bits(int.from_bytes(digests, "big"), len(found))


def _majority_bits(hashes: int, count: int) -> int:
    """The bits set in more than half of ``count`` 64-bit ``hashes`` (written one after the
    other as one integer), as a signed 64-bit integer. Counted with big-integer operations (C
    loops over the whole of them; this runs once per item of every run), in lanes of ``width``
    bits: bit ``k`` of every lane of every hash is taken (``(hashes >> k) & ones``, a 0 or 1 in
    each lane) and the hashes added up, halves folded onto each other, so each lane counts its
    bit (at most ``count``: it never carries into the next). Adding ``2**(width-1) - 1 -
    count // 2`` to a lane sets its top bit when its count is more than half (never carrying
    either)."""
    width = 8 if count <= 0xFF else 16 if count <= 0xFFFF else 32
    one = int.from_bytes(b"\x01".rjust(width // 8, b"\x00") * (_BITS // width), "big")  # bit 0 of each lane
    ones = int.from_bytes(one.to_bytes(_BITS // 8, "big") * count, "big")
    lift = ((1 << (width - 1)) - 1 - count // 2) * one
    folds, words = [], count  # where the hashes are cut in two, until one hash is left
    while words > 1:
        words = (words + 1) // 2
        folds.append((_BITS * words, (1 << (_BITS * words)) - 1))
    value = 0
    for k in range(width):
        counted = (hashes >> k) & ones
        for shift, low in folds:
            counted = (counted >> shift) + (counted & low)
        value |= (((counted + lift) >> (width - 1)) & one) << k
    return value - (1 << _BITS) if value >= 1 << (_BITS - 1) else value


def fingerprint(text: str) -> int | None:
    """The :func:`simhash` of ``text``, or None when it is too short (``MIN_WORDS``) for its
    fingerprint to say anything: such texts are matched by exact keys only."""
    words = _words(text)  # once: the words counted are those shingled
    return _simhash(_shingles(words)) if len(words) >= MIN_WORDS else None


def distance(a: int, b: int) -> int:
    """How many bits two fingerprints differ in."""
    return ((a ^ b) & _MASK).bit_count()


#: reports' signals by (item id, content hash), worked out once
_Memo = MutableMapping[tuple[str, str], Signals]
#: one day's fingerprints (unsigned) and, at the same positions, (order added, key, story)
_Prints = tuple[list[int], list[tuple[int, StoryKey, str]]]


class StoryIndex:
    """The stored items' story keys, searchable by exact key and by fingerprint."""

    def __init__(self, keys: Iterable[StoryKey] = (), counts: FeatureCounts | None = None) -> None:
        self._by_id: dict[str, str] = {}
        self._exact: dict[str, str] = {}
        #: fingerprints by day of publication (None: no date), in the order they were added
        self._prints: dict[int | None, _Prints] = {}
        self._count = 0
        #: stories in the order they were first seen (the older survives a merge)
        self._age: dict[str, int] = {}
        #: story -> the story it was merged into
        self._merged_into: dict[str, str] = {}
        #: reports of the same event in any language (see ``kzfeed.stories._events``); rarity
        #: counted over ``counts`` (kept across indexes) when given, else over this index
        self.events = EventIndex(counts)
        for key in keys:
            self.add(key)

    def add(self, key: StoryKey, report: Signals | None = None) -> str:
        """Record an item (with its signals, when known); returns the story it belongs to."""
        story = self.resolve(key.story_id or key.item_id)
        if story not in self._age and self._new_story(story):
            self._age[story] = len(self._age)
        self._by_id[key.item_id] = story
        for exact in self._exact_keys(key):
            if self._new_exact(exact):
                self._exact.setdefault(exact, story)
        if key.simhash is not None:
            day = _day(key.published) if key.published else None
            fingerprints, keys = self._prints.setdefault(day, ([], []))
            fingerprints.append(key.simhash & _MASK)
            keys.append((self._count, key, story))
            self._count += 1
        if report is not None:  # a new report (the stored ones come through add_reports)
            self.events.add(key.item_id, story, report, counted=True)
        return story

    def _new_story(self, story: str) -> bool:
        """Whether ``story`` is new to the index (every story it has is in ``_age``, but in a
        view's, see ``kzfeed.stories._view``)."""
        return True

    def _new_exact(self, exact: str) -> bool:
        """Whether no key of the index has the exact key ``exact`` (as ``_new_story``)."""
        return True

    def add_reports(self, items: Iterable[Item], memo: _Memo | None = None) -> None:
        """Record the signals of stored items, so that new reports of the same event in other
        languages find them (give the items published around the new ones' dates).

        ``memo`` keeps each report's signals by (id, content hash) across calls: a run reads
        the same stored reports again for every source that brings news, and working out the
        signals is the costly part."""
        memo = {} if memo is None else memo
        for item in items:
            if item.id not in self._by_id:
                self.add(story_key(item))
            key = (item.id, item.content_hash)
            found = memo[key] = memo.get(key) or signals(item)
            self.events.add(item.id, self.resolve(self._by_id[item.id]), found)

    def add_stored_reports(
        self,
        keys: Iterable[StoryKey],
        load: Callable[[list[str]], Iterable[Item]],
        memo: _Memo,
    ) -> None:
        """As :meth:`add_reports`, for stored items already recorded by their ``keys`` (from
        ``Store.story_keys``): only the items whose signals ``memo`` lacks are read in full,
        through ``load(ids)``, so that a run reads each stored report once, not once per source."""
        for key, found in _stored_signals(keys, load, memo):
            if found is None:  # gone since its key was read (another worker's retention)
                continue
            if key.item_id not in self._by_id:
                self.add(key)
            self.events.add(key.item_id, self.resolve(self._by_id[key.item_id]), found)

    def view_stored_reports(
        self,
        keys: Iterable[StoryKey],
        load: Callable[[list[str]], Iterable[Item]],
        memo: _Memo,
        stored: StoredReports,
        windows: Sequence[Window],
        known: Sequence[Signals | None] | None = None,
    ) -> None:
        """As :meth:`add_stored_reports`, for the ``keys`` of every stored report published
        within ``windows``, before any other report: they are kept in ``stored`` (the run's,
        for every source), and this index views them there rather than indexing their
        features again (the same matches; see ``EventIndex.viewing``). ``known``:
        ``stored.known(keys)``, when worked out already; the reports kept for their keys are
        taken from ``stored`` as they are (the signals ``memo`` has for them)."""
        if len(self.events):
            raise ValueError("stored reports are viewed before any report is added")
        keys = list(keys)
        known = stored.known(keys) if known is None else known
        others = [key for key, found in zip(keys, known, strict=True) if found is None]
        # those gone since their key was read: not kept
        fresh = {key.item_id: found for key, found in stored.keep(_stored_signals(others, load, memo))}
        kept: list[tuple[StoryKey, Signals]] = []
        for key, found in zip(keys, known, strict=True):
            if found is None and (found := fresh.get(key.item_id)) is None:
                continue
            kept.append((key, found))
        viewed = [key for key, _ in kept]
        ids = [key.item_id for key in viewed]
        self.events = EventIndex.viewing(stored, windows, ids, self._stories_of(viewed), [s for _, s in kept])

    def _story_id_of(self, key: StoryKey) -> str:
        """The story recorded for ``key``'s item (recorded now if it was not)."""
        if key.item_id not in self._by_id:
            self.add(key)
        return self._by_id[key.item_id]

    def _stories_of(self, keys: list[StoryKey]) -> list[str]:
        """The story of each of ``keys``' items now (recorded now if it was not)."""
        resolve, story_id_of = self.resolve, self._story_id_of
        return [resolve(story_id_of(key)) for key in keys]

    _exact_keys = staticmethod(exact_keys)

    def find(self, key: StoryKey, *, near: bool = True, report: Signals | None = None) -> str | None:
        """The story an item belongs to, or None when it starts a new one."""
        found = self.match(key, near=near, report=report)
        return found.story if found else None

    def match(self, key: StoryKey, *, near: bool = True, report: Signals | None = None) -> EventMatch | None:
        """The story an item belongs to and why (for a match by exact key or fingerprint, the
        score is 1 and nothing is listed as shared), or None."""
        story = self._find_copy(key, near=near)
        if story is not None:
            return EventMatch(story=story, item_id="", score=1.0, mean=1.0, shared=())
        return self.events.find(report) if report is not None else None

    def _find_copy(self, key: StoryKey, *, near: bool) -> str | None:
        if key.item_id in self._by_id:
            return self.resolve(self._by_id[key.item_id])
        for exact in self._exact_keys(key):
            if exact in self._exact:
                return self.resolve(self._exact[exact])
        if not near or key.simhash is None:
            return None
        # the hot loop of a run (every new item against the fingerprints of its dates)
        target = key.simhash & _MASK
        best: tuple[int, int, str] | None = None
        for fingerprints, keys in self._nearby_prints(key):
            distances = [(f ^ target).bit_count() for f in fingerprints]
            for i, d in enumerate(distances):
                if d > NEAR_DUPLICATE_BITS:
                    continue
                n, other, story = keys[i]
                if best is not None and (d, n) >= best[:2]:
                    continue
                if key.published and other.published and abs(key.published - other.published) > STORY_WINDOW:
                    continue
                best = (d, n, story)
        return self.resolve(best[2]) if best else None

    def resolve(self, story: str) -> str:
        """The story ``story`` is now part of (itself, unless it was merged into another)."""
        while story in self._merged_into:
            story = self._merged_into[story]
        return story

    def merge(self, stories: Iterable[str]) -> str:
        """Make ``stories`` one: the one kzfeed saw first survives, with its id; returns it."""
        found = sorted({self.resolve(s) for s in stories}, key=lambda s: (self._age_of(s), s))
        survivor = found[0]
        for absorbed in found[1:]:
            self._merged_into[absorbed] = survivor
            self.events.merge(absorbed, survivor)
        return survivor

    def _age_of(self, story: str) -> object:
        """What orders stories by when they were first seen (the older survives a merge)."""
        return self._age.get(story, len(self._age))

    def merges(self) -> dict[str, str]:
        """Every story merged into another since this index was made -> the story it is now."""
        return {story: self.resolve(story) for story in self._merged_into}

    def _nearby_prints(self, key: StoryKey) -> list[_Prints]:
        """The fingerprints (unsigned) published within ``STORY_WINDOW`` of ``key`` (all of
        them when it has no date) and those without a date, day by day."""
        if key.published is None:
            return list(self._prints.values())
        day = _day(key.published)
        days = (None, *range(day - STORY_WINDOW.days - 1, day + STORY_WINDOW.days + 2))
        return [self._prints[d] for d in days if d in self._prints]


def _stored_signals(
    keys: Iterable[StoryKey], load: Callable[[list[str]], Iterable[Item]], memo: _Memo
) -> list[tuple[StoryKey, Signals | None]]:
    """Each key with its report's signals: from ``memo``, else worked out from the items read
    through ``load(ids)`` (and kept in ``memo``); None for an item gone since its key was read."""
    keys = list(keys)
    missing = [k.item_id for k in keys if (k.item_id, k.content_hash) not in memo]
    loaded: dict[str, Signals] = {}
    if missing:
        for item in load(missing):
            loaded[item.id] = memo[(item.id, item.content_hash)] = signals(item)
    return [(key, memo.get((key.item_id, key.content_hash)) or loaded.get(key.item_id)) for key in keys]


_day = day_of


def report_window(batch: Iterable[Item]) -> tuple[datetime, datetime] | None:
    """The publication dates stored reports must have to be compared with ``batch`` across
    languages (``EVENT_WINDOW`` either side of its dates), or None when no item has a date."""
    dates = [i.published for i in batch if i.published is not None]
    if not dates:
        return None
    return min(dates) - EVENT_WINDOW, max(dates) + EVENT_WINDOW


def spans(dates: Iterable[datetime], margin: timedelta) -> list[tuple[datetime, datetime]]:
    """The periods within ``margin`` of ``dates``, overlapping ones joined, oldest first: a
    source that brings reports of 2019 and of today asks for two short periods, not seven years."""
    found: list[tuple[datetime, datetime]] = []
    for date in sorted(dates):
        since, until = date - margin, date + margin
        if found and since <= found[-1][1]:
            found[-1] = (found[-1][0], max(found[-1][1], until))
        else:
            found.append((since, until))
    return found


def report_windows(batch: Iterable[Item]) -> list[tuple[datetime, datetime]]:
    """The periods stored reports must be published in to be compared with ``batch`` across
    languages (``EVENT_WINDOW`` either side of each of its dates); none when no item has a date."""
    return spans((i.published for i in batch if i.published is not None), EVENT_WINDOW)


@dataclass(frozen=True, slots=True)
class StoryLookup:
    """What to read of the stored items' story keys for a batch (``Store.story_keys``): those
    with the same id, content hash, canonical URL or world-wide guid, and those published (or,
    without a date, first seen) within ``STORY_WINDOW`` of the batch's dates; a run reads the
    keys around what changed, never every stored key."""

    ids: tuple[str, ...]
    hashes: tuple[str, ...]
    urls: tuple[str, ...]
    guids: tuple[str, ...]
    spans: tuple[tuple[datetime, datetime], ...]


def story_lookup(batch: Sequence[Item], now: datetime) -> StoryLookup:
    """The stored keys ``batch`` can be matched with; an item without a date is taken to be
    published when it was first seen (``now`` for a new one)."""
    dates = [i.published or i.first_seen or now for i in batch]
    return StoryLookup(
        ids=tuple(dict.fromkeys(i.id for i in batch)),
        hashes=tuple(dict.fromkeys(i.content_hash for i in batch)),
        urls=tuple(dict.fromkeys(i.canonical_url for i in batch if i.canonical_url)),
        guids=tuple(dict.fromkeys(g for i in batch if (g := uri_guid(i.guid)))),
        spans=tuple(spans(dates, STORY_WINDOW + timedelta(days=1))),
    )


def assign_stories(
    batch: Sequence[Item],
    index: StoryIndex,
    memo: _Memo | None = None,
    prints: Mapping[tuple[str, str], int | None] | None = None,
) -> list[Item]:
    """Give each item of ``batch`` its fingerprint and story id, matching it against the
    stored items in ``index`` and the items before it in the batch (the index is extended);
    ``memo`` keeps the reports' signals by (id, content hash), as ``add_reports`` does;
    ``prints`` has the :func:`fingerprint` of items worked out before, by (id, content hash)."""
    out, memo, prints = [], {} if memo is None else memo, {} if prints is None else prints
    for item in batch:
        key = (item.id, item.content_hash)
        found = prints[key] if key in prints else fingerprint(item.content_text)
        report = memo[key] = memo.get(key) or signals(item)  # (made of what the fingerprint is not)
        mine = StoryKey(
            item_id=item.id,
            story_id=item.story_id,
            guid=item.guid,
            canonical_url=item.canonical_url,
            content_hash=item.content_hash,
            simhash=found,
            published=item.published,
        )
        story = _story_of(index, mine, near=found is not None, report=report) or item.id
        index.add(replace(mine, story_id=story), report)
        out.append((item, found, story))
    # an item that started or joined a story that a later one merged into an older story is
    # given the older one (one copy of each item made, with its fingerprint and story)
    return [replace(i, simhash=found, story_id=index.resolve(story)) for i, found, story in out]


def _story_of(index: StoryIndex, key: StoryKey, *, near: bool, report: Signals) -> str | None:
    """The story of an item: a copy's, else the closest event's; when the report also matches
    other stories of the same event (it links them), those are merged into the oldest."""
    copy = index.find(key, near=near)
    matches = [index.resolve(m.story) for m in index.events.find_all(report)]
    story = copy or (matches[0] if matches else None)
    if story is None:
        return None
    for other in dict.fromkeys(matches):
        story, other = index.resolve(story), index.resolve(other)
        if other != story and not index.events.conflicting(story, other):
            story = index.merge((story, other))
    return story


def recluster(items: Iterable[Item]) -> list[Item]:
    """Every item's story made again from scratch, in the order kzfeed first saw them."""
    # among items first seen together, those that started a story keep doing so
    ordered = sorted(
        items,
        key=lambda i: (
            i.first_seen.timestamp() if i.first_seen else 0.0,
            i.story_id not in (None, i.id),
            *_lead_order(i),
        ),
    )
    return assign_stories([replace(i, story_id=None) for i in ordered], StoryIndex())


def _lead_order(item: Item) -> tuple[object, ...]:
    seen = item.first_seen.timestamp() if item.first_seen else 0.0
    date = item.published.timestamp() if item.published else float("inf")
    return (seen, date, item.id)


def _language_rank(rank: Mapping[str, int], lang: str | None) -> int:
    """Where ``lang`` (``fr`` or ``fr-CA``) comes in the preferred languages (last if absent)."""
    code = (lang or "").casefold()
    return rank.get(code, rank.get(code.split("-")[0], len(rank)))


def group_stories(items: Iterable[Item], languages: Sequence[str] = ()) -> list[Story]:
    """The stories of ``items``, newest first. The lead (the report whose title and summary the
    entry shows) is a report in the first of the preferred ``languages`` that the story has
    (reports in other languages come after all of them); among those, the report that started
    the story, else the first one kzfeed saw. The rest are ``others``, in the same order. The
    choice depends only on the story's reports, so it does not change between runs unless a
    report in a more preferred language joins."""
    rank = {lang.casefold(): n for n, lang in enumerate(languages)}
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.story_id or item.id, []).append(item)
    stories = []
    for story_id, members in groups.items():
        members.sort(key=lambda i: (_language_rank(rank, i.lang), i.id != story_id, *_lead_order(i)))
        stories.append(Story(id=story_id, lead=members[0], others=tuple(members[1:])))
    stories.sort(key=lambda s: s.id)
    stories.sort(key=lambda s: s.date.timestamp() if s.date else 0.0, reverse=True)
    return stories
