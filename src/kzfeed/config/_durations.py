"""Durations as people write them: ``30m``, ``1h30m``, ``365d`` (read by pytimeparse)."""

from __future__ import annotations

from datetime import timedelta

from kzfeed.errors import InputError

__all__ = ["parse_duration"]


def parse_duration(text: str, *, what: str = "duration") -> timedelta:
    """``"30m"`` → 30 minutes. Units: s, m, h, d, w, also spelt out (``30 minutes``) and
    combined (``1h30m``); a bare number is refused. Raises ``InputError`` saying how to write one."""
    from pytimeparse.timeparse import timeparse  # lazy: read only when a duration is given

    seconds = timeparse(text)
    if seconds is None:
        raise InputError(
            f"{what} {text!r} is not a duration; write a number and a unit, e.g. 90s, 30m, 6h, 365d"
        )
    if seconds <= 0:
        raise InputError(f"{what} {text!r} must be more than zero")
    return timedelta(seconds=seconds)
