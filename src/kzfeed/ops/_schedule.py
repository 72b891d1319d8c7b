"""Durations as people write them (``30m``, ``1h30m``, ``365d``; read by pytimeparse) and the
jittered wait of ``kzfeed watch``."""

from __future__ import annotations

import random
from datetime import timedelta

from kzfeed.errors import InputError

__all__ = ["jittered", "parse_duration"]


def parse_duration(text: str, *, what: str = "duration") -> timedelta:
    """``"30m"`` → 30 minutes. Units: s, m, h, d, w, also spelt out (``30 minutes``) and
    combined (``1h30m``); a bare number is refused. Raises ``InputError`` saying how to write one."""
    from pytimeparse.timeparse import timeparse  # lazy: only watch and prune read durations

    seconds = timeparse(text)
    if seconds is None:
        raise InputError(
            f"{what} {text!r} is not a duration; write a number and a unit, e.g. 90s, 30m, 6h, 365d"
        )
    if seconds <= 0:
        raise InputError(f"{what} {text!r} must be more than zero")
    return timedelta(seconds=seconds)


def jittered(every: timedelta, jitter: timedelta, rng: random.Random | None = None) -> float:
    """Seconds to wait: ``every`` plus a random part of ``jitter``, so that many installations
    (or workers) started at the same minute do not all hit the sites at the same second."""
    extra = (rng or random).uniform(0, jitter.total_seconds()) if jitter else 0.0
    return every.total_seconds() + extra
