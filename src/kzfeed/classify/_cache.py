"""The keywords classifier's bounded cache of what it makes of each chunk of text."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

__all__ = ["WordCache"]

K = TypeVar("K")
V = TypeVar("V")


class WordCache(dict[K, V]):
    """Key -> value worked out when first needed, so that later lookups stay in C (a dict hit).

    Bounded, so that memory stays flat however much text goes through (``kzfeed reclassify`` of
    a whole history). A key is kept once a second document looks it up (a number or a name
    that one report brings waits among the last ``once`` such keys, then goes); when ``limit``
    keys are kept, they become the previous generation, from which a key looked up again moves
    back, and the generation before is dropped. :meth:`next_document` says a document starts.
    """

    __slots__ = ("describe", "limit", "new", "once", "previous", "waiting")

    def __init__(self, describe: Callable[[K], V], limit: int, once: int) -> None:
        super().__init__()
        self.describe = describe
        self.limit = limit
        self.once = once
        self.previous: dict[K, V] = {}
        self.waiting: dict[K, V] = {}  # looked up by one document
        self.new: set[K] = set()  # first looked up by this document

    def next_document(self) -> None:
        self.new.clear()

    def __missing__(self, key: K) -> V:
        if key in self.previous:
            value = self.previous.pop(key)
        elif key in self.waiting:
            value = self.waiting[key]
            if key in self.new:  # again in the same document
                return value
            del self.waiting[key]
        else:
            if len(self.waiting) >= self.once:
                self.waiting.clear()
            value = self.waiting[key] = self.describe(key)
            self.new.add(key)
            return value
        if len(self) >= self.limit:
            self.previous = dict(self)  # ``self`` stays the dict the scan looks up
            self.clear()
        self[key] = value
        return value
