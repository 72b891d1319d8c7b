"""The current time as kzfeed sees it: one function, so tests (and plugin tests) can freeze it.

Code that records when something happened calls :func:`now` instead of ``datetime.now``;
the ``frozen_clock`` fixture of :mod:`kzfeed.testing` replaces it. Code that places a source's
next fetch calls :func:`instant`, which follows a frozen :func:`now`.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["instant", "now"]


def now() -> datetime:
    """The current time: timezone-aware UTC, whole seconds (sub-second digits are noise in feeds)."""
    return datetime.now(UTC).replace(microsecond=0)


_WHOLE_SECONDS = now


def instant() -> datetime:
    """The current time to the microsecond, for when a source is due again: with whole seconds,
    a source saved at 12:00:00.99 with a wait of one second would be due at 12:00:01, 0.01 s
    later. When a test has frozen :func:`now`, its frozen time."""
    if now is not _WHOLE_SECONDS:
        return now()
    return datetime.now(UTC)
