"""A source's story index that views the stored keys its run keeps, rather than recording each
again: what ``StoryIndex(store.story_keys(...look...))`` holds and finds, for the cost of the
batch, not of the keys of its window.

The index of keys ``look`` reads holds the stored keys with one of its ids, content hashes,
canonical URLs or guids, and those dated (published, else first seen) within its spans. What a
batch item is matched with is always among them: its own id, its exact keys (which ``look``
names), and the fingerprints published within ``STORY_WINDOW`` of its date (inside the spans);
only fingerprints without a date, and every fingerprint for an item without a date, are tested
for being among them. Which of several matches wins follows the order the keys were read in
(the order kzfeed first saw the items), then the batch's, as in the index of keys read.
"""

from __future__ import annotations

from typing import Any

from kzfeed.models import StoryKey
from kzfeed.stories._dedupe import NEAR_DUPLICATE_BITS, STORY_WINDOW, StoryIndex, StoryLookup
from kzfeed.stories._stored import MASK, StoredKeys, day_of, exact_keys, seen_order

__all__ = ["ViewedStoryIndex"]


class ViewedStoryIndex(StoryIndex):
    """The stored keys of ``kept`` that ``look`` reads, and the items added since."""

    def __init__(self, kept: StoredKeys, look: StoryLookup) -> None:
        super().__init__()
        self._kept = kept
        self._look_ids, self._hashes = set(look.ids), set(look.hashes)
        self._urls, self._guids = set(look.urls), set(look.guids)
        self._spans = look.spans
        #: the fingerprints without a date that the keys read hold, once asked for
        self._undated: dict[str, int] | None = None

    def reads(self, key: StoryKey) -> bool:
        """Whether ``look`` reads the stored ``key``."""
        when = key.published if key.published is not None else key.first_seen
        if when is not None:
            for since, until in self._spans:
                if since <= when <= until:
                    return True
        return (
            key.item_id in self._look_ids
            or key.content_hash in self._hashes
            or (key.canonical_url is not None and key.canonical_url in self._urls)
            or key.guid in self._guids
        )

    def _stored(self, item_id: str) -> StoryKey | None:
        key = self._kept.get(item_id)
        return key if key is not None and self.reads(key) else None

    def _new_story(self, story: str) -> bool:
        stored = self._stored
        return not any(stored(i) is not None for i in self._kept.members(story))

    def _new_exact(self, exact: str) -> bool:
        stored = self._stored
        return not any(stored(i) is not None for i in self._kept.with_exact(exact))

    def _story_id_of(self, key: StoryKey) -> str:
        if key.item_id in self._by_id:
            return self._by_id[key.item_id]
        stored = self._stored(key.item_id)
        if stored is None:
            self.add(key)
            return self._by_id[key.item_id]
        return stored.story_id or stored.item_id

    def _stories_of(self, keys: list[StoryKey]) -> list[str]:
        # every stored report of a source's windows is a key it reads, mostly in no story
        # merged yet: the run's hot loop, one key per stored report of each source's windows
        by_id, merged, kept = self._by_id, self._merged_into, self._kept
        return [
            story
            if (story := key.story_id or key.item_id) not in merged
            and key.item_id not in by_id
            and kept.get(key.item_id) is key
            and self.reads(key)
            else self.resolve(self._story_id_of(key))
            for key in keys
        ]

    def _stored_members(self, story: str) -> list[StoryKey]:
        return [k for i in self._kept.members(story) if (k := self._stored(i)) is not None]

    def _stored_with(self, exact: str) -> list[StoryKey]:
        return [k for i in self._kept.with_exact(exact) if (k := self._stored(i)) is not None]

    def _age_of(self, story: str) -> Any:
        # the stories read come first, in the order of their first key read; then the batch's
        members = self._stored_members(story)
        if members:
            return (0, min(seen_order(k) for k in members))
        return (1, self._age[story]) if story in self._age else (2,)

    def _find_copy(self, key: StoryKey, *, near: bool) -> str | None:
        story = self._by_id.get(key.item_id)
        if story is None and (stored := self._stored(key.item_id)) is not None:
            story = stored.story_id or stored.item_id
        if story is not None:
            return self.resolve(story)
        for exact in exact_keys(key):
            found = self._stored_with(exact)
            if found:
                first = min(found, key=seen_order)
                return self.resolve(first.story_id or first.item_id)
            if exact in self._exact:
                return self.resolve(self._exact[exact])
        if not near or key.simhash is None:
            return None
        return self._nearest(key)

    def _nearest(self, key: StoryKey) -> str | None:
        """The story of the closest fingerprint within ``NEAR_DUPLICATE_BITS`` (published within
        ``STORY_WINDOW`` when both have a date), the first read or added of equally close ones."""
        assert key.simhash is not None
        target = key.simhash & MASK
        best: tuple[int, Any, str] | None = None

        def consider(d: int, order: Any, other: StoryKey, story: str) -> None:
            nonlocal best
            if d > NEAR_DUPLICATE_BITS or (best is not None and (d, order) >= best[:2]):
                return
            if key.published and other.published and abs(key.published - other.published) > STORY_WINDOW:
                return
            best = (d, order, story)

        for prints in self._stored_prints(key):
            for item_id, fingerprint in prints.items():
                d = (fingerprint ^ target).bit_count()
                if d <= NEAR_DUPLICATE_BITS:
                    other = self._kept.get(item_id)
                    assert other is not None
                    consider(d, (0, seen_order(other)), other, other.story_id or other.item_id)
        for fingerprints, keys in self._nearby_prints(key):
            for i, fingerprint in enumerate(fingerprints):
                n, other, story = keys[i]
                consider((fingerprint ^ target).bit_count(), (1, n), other, story)
        return self.resolve(best[2]) if best else None

    def _stored_prints(self, key: StoryKey) -> list[dict[str, int]]:
        """The stored fingerprints read that ``key`` may be near (item id -> fingerprint):
        without a date, and published within ``STORY_WINDOW`` and a day of its date (every one
        read, when it has none)."""
        if self._undated is None:
            self._undated = {i: f for i, f in self._kept.prints(None).items() if self._stored(i)}
        if key.published is None:
            dated = [self._kept.prints(day) for day in self._kept.days() if day is not None]
            return [self._undated, *({i: f for i, f in d.items() if self._stored(i)} for d in dated)]
        day = day_of(key.published)
        days = range(day - STORY_WINDOW.days - 1, day + STORY_WINDOW.days + 2)
        return [self._undated, *(self._kept.prints(d) for d in days)]  # dated: within the spans
