"""What the run's main thread waits for while sources are fetched: each item a source yields,
and each source's finished fetch, on one queue; and the interpreter's turns while it does."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from queue import SimpleQueue

from kzfeed.config import SourceConfig
from kzfeed.models import RawItem
from kzfeed.pipeline._collect import Collected

__all__ = ["Events", "put_item", "short_turns"]

_TURN_SECONDS = 0.001

#: an item a source yielded, or a source's finished fetch, in the order they happened
Events = SimpleQueue[tuple[SourceConfig, RawItem] | Future[Collected]]


def put_item(events: Events, sc: SourceConfig, raw: RawItem) -> None:
    events.put((sc, raw))


@contextmanager
def short_turns() -> Iterator[None]:
    """Threads take turns at the interpreter every millisecond while sources are fetched, not
    every 5 (Python's default): the main thread classifies items as they arrive, and each
    fetching thread or extraction result that wakes meanwhile would wait up to a turn for it,
    leaving the extraction processes without pages (500 pages, one source: 0.81x the wall time
    in 4 alternating rounds, docs/benchmarks.md)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, _TURN_SECONDS))
    try:
        yield
    finally:
        sys.setswitchinterval(before)
