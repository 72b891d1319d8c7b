"""Operations around runs: the run lock, a worker's run over the due sources, retention."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kzfeed._lazy import lazy_names

if TYPE_CHECKING:
    from kzfeed.ops._arenas import share_arenas
    from kzfeed.ops._extract import extract_processes
    from kzfeed.ops._idle import RunResult, run_if_idle
    from kzfeed.ops._lock import LockBusy, worker_name
    from kzfeed.ops._render import CoalescedRenderer, render_feeds, render_now
    from kzfeed.ops._retention import plan_retention
    from kzfeed.ops._schedule import parse_duration, watch_wait
    from kzfeed.ops._worker import run_due, stop_on_signals, watching

__all__ = [
    "CoalescedRenderer",
    "LockBusy",
    "RunResult",
    "extract_processes",
    "parse_duration",
    "plan_retention",
    "render_feeds",
    "render_now",
    "run_due",
    "run_if_idle",
    "share_arenas",
    "stop_on_signals",
    "watch_wait",
    "watching",
    "worker_name",
]

if not TYPE_CHECKING:  # mypy checks the names imported above
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "_arenas": "share_arenas",
            "_extract": "extract_processes",
            "_idle": "RunResult run_if_idle",
            "_lock": "LockBusy worker_name",
            "_render": "CoalescedRenderer render_feeds render_now",
            "_retention": "plan_retention",
            "_schedule": "parse_duration watch_wait",
            "_worker": "run_due stop_on_signals watching",
        },
    )
