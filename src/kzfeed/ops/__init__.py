"""Operations around runs: the run lock, rounds and leases, schedules, retention."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kzfeed._lazy import lazy_names

if TYPE_CHECKING:
    from kzfeed.ops._lock import LockBusy
    from kzfeed.ops._retention import plan_retention
    from kzfeed.ops._rounds import RoundResult, run_round, stop_on_signals
    from kzfeed.ops._schedule import jittered, parse_duration

__all__ = [
    "LockBusy",
    "RoundResult",
    "jittered",
    "parse_duration",
    "plan_retention",
    "run_round",
    "stop_on_signals",
]

if not TYPE_CHECKING:  # mypy checks the names imported above
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "_lock": "LockBusy",
            "_retention": "plan_retention",
            "_rounds": "RoundResult run_round stop_on_signals",
            "_schedule": "jittered parse_duration",
        },
    )
