"""Durations as people write them (``30m``, ``1h``, ``365d``) and the jittered wait of ``kzfeed watch``."""

from __future__ import annotations

import random
import re
from datetime import timedelta

from kzfeed.errors import InputError

__all__ = ["jittered", "parse_duration"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)


def parse_duration(text: str, *, what: str = "duration") -> timedelta:
    """``"30m"`` → 30 minutes. Units: s, m, h, d, w. Raises ``InputError`` saying how to write one."""
    match = _DURATION.match(text)
    if not match:
        raise InputError(
            f"{what} {text!r} is not a duration; write a number and a unit, e.g. 90s, 30m, 6h, 365d"
        )
    seconds = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if seconds <= 0:
        raise InputError(f"{what} {text!r} must be more than zero")
    return timedelta(seconds=seconds)


def jittered(every: timedelta, jitter: timedelta, rng: random.Random | None = None) -> float:
    """Seconds to wait: ``every`` plus a random part of ``jitter``, so that many installations
    (or workers) started at the same minute do not all hit the sites at the same second."""
    extra = (rng or random).uniform(0, jitter.total_seconds()) if jitter else 0.0
    return every.total_seconds() + extra
