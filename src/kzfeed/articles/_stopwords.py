"""justext's stop words made into a set once per list, not once per page.

trafilatura falls back on justext for pages where its own extraction finds little (pages laid
out with tables, bare blogs) and hands it the stop words of every language: one tuple of
~154,000 words, the same tuple every time. justext's ``classify_paragraphs`` lower-cases that
list into a new frozenset on every call (``define_stoplist``): ~7 ms a page that falls back,
13 % of the extraction's CPU on bench_extract's 500 pages. :func:`share_stop_words` makes
``define_stoplist`` keep the set it made for each tuple it is given (a tuple cannot change, so
the set is the one it would make again); any other argument is handled as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from functools import cache

__all__ = ["share_stop_words"]

_KEEP = 8  # tuples remembered at most (trafilatura passes one; a bound all the same)


class _Shared:
    """``define_stoplist`` remembering its set per tuple (held, so its id is not reused)."""

    def __init__(self, define: Callable[[Iterable[str]], frozenset[str]]) -> None:
        self.define = define
        self._made: dict[int, tuple[tuple[str, ...], frozenset[str]]] = {}
        self._lock = threading.Lock()

    def __call__(self, stoplist: Iterable[str]) -> frozenset[str]:
        if not isinstance(stoplist, tuple):
            return self.define(stoplist)
        with self._lock:
            made = self._made.get(id(stoplist))
        if made is not None and made[0] is stoplist:
            return made[1]
        words = self.define(stoplist)
        with self._lock:
            if len(self._made) >= _KEEP:
                self._made.clear()
            self._made[id(stoplist)] = (stoplist, words)
        return words


@cache
def share_stop_words() -> None:
    """Make justext's ``define_stoplist`` make each tuple's set once (see the module)."""
    try:
        import justext.core
    except ImportError:  # trafilatura without justext: nothing falls back on it
        return
    define = getattr(justext.core, "define_stoplist", None)
    if callable(define) and not isinstance(define, _Shared):
        justext.core.define_stoplist = _Shared(define)
