"""The current time as kzfeed sees it: one function, so tests (and plugin tests) can freeze it.

Code that records when something happened calls :func:`now` instead of ``datetime.now``;
the ``frozen_clock`` fixture of :mod:`kzfeed.testing` replaces it.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["now"]


def now() -> datetime:
    """The current time: timezone-aware UTC, whole seconds (sub-second digits are noise in feeds)."""
    return datetime.now(UTC).replace(microsecond=0)
