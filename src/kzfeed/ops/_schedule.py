"""Durations as people write them (``30m``, ``1h30m``, ``365d``; read by pytimeparse, in
``kzfeed.config``) and how long ``kzfeed watch`` sleeps between two runs."""

from __future__ import annotations

from kzfeed.config import parse_duration

__all__ = ["parse_duration", "watch_wait"]

#: the shortest sleep of ``kzfeed watch``: a source that keeps failing to be stored does not spin it
MIN_WAIT = 0.5


def watch_wait(next_due_in: float | None, every: float) -> float:
    """Seconds ``kzfeed watch`` sleeps: until the next source is due or a lease another worker
    let run out can be taken over (``next_due_in``, by the database's clock), at least
    :data:`MIN_WAIT`; ``every`` when no source is stored yet."""
    return max(MIN_WAIT, every if next_due_in is None else next_due_in)
