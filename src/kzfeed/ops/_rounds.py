"""A scheduled run, safely: the run lock, the shared round, signals, rendering once per round.

``run_round`` is what ``kzfeed run``, ``kzfeed ingest`` and ``kzfeed watch`` call. It takes the
run lock (``kzfeed.ops._lock``), drops the leases of runs that died, joins or opens the round
(``Store.open_round``), lets the pipeline claim sources one by one, and renders the feeds
(and the operator feed) only in the worker that finished the round.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from kzfeed.config import Config
from kzfeed.models import RunReport
from kzfeed.ops._lock import acquire_run_lock, default_worker_name
from kzfeed.pipeline import Pipeline, build_sources, render
from kzfeed.plugins import PluginHost
from kzfeed.publish import write_outputs
from kzfeed.storage import SourceLeases, StoreProtocol, round_scope

__all__ = ["RoundResult", "run_round", "stop_on_signals", "worker_name"]

log = logging.getLogger("kzfeed.ops._rounds")


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundResult:
    report: RunReport
    #: files written; None when this worker did not render (another one closes the round)
    written: list[Path] | None
    stopped: bool  # a signal asked us to stop; the sources not reached are left for the next run
    round_id: int


def worker_name(config: Config) -> str:
    """The name this worker leases sources under: ``KZFEED_WORKER``, ``ops.worker``, else the host."""
    return os.environ.get("KZFEED_WORKER") or config.ops.worker or default_worker_name()


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[threading.Event]:
    """SIGTERM or SIGINT set ``stop``: no new source starts and the fetcher sends no new request;
    the sources being fetched end there (kept for the next run unless they were done). A second
    SIGINT interrupts at once (``KeyboardInterrupt``: the fetches in flight are cut). Outside the main thread this does nothing (signals go to the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        stop.set()
        log.warning(
            "%s received: stopping after the current source (no new source or request starts; "
            "what was fetched is stored; Ctrl-C again aborts at once)",
            signal.Signals(signum).name,
        )

    previous = {s: signal.signal(s, handle) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def run_round(
    config: Config,
    host: PluginHost,
    store: StoreProtocol,
    *,
    refetch: bool = False,
    only: Iterable[str] | None = None,
    render_feeds: bool = True,
    wait: float | None = None,
    stop: threading.Event | None = None,
    on_source: Callable[[str], None] | None = None,
) -> RoundResult:
    """One locked run of this worker. Raises ``LockBusy`` when the previous one still runs."""
    worker = worker_name(config)
    stop = stop or threading.Event()
    lock = acquire_run_lock(store, worker=worker, wait=config.ops.lock_wait if wait is None else wait)
    try:
        owner = f"{worker}:{os.getpid()}"
        if store.runs_exclusive:
            store.release_leases()  # under the file lock no other run is alive
            store.mark_stale_runs()
        else:
            store.release_leases(owner_prefix=f"{worker}:")  # our earlier runs, dead: we hold their lock
            store.mark_stale_runs(worker_prefix=f"{worker}:")
        wanted = list(only) if only is not None else None
        names = [(sc.name, sc.type) for sc, _ in build_sources(config, host)]
        if wanted is not None:
            names = [(n, t) for n, t in names if n in set(wanted)]
        round_ = store.open_round(
            scope=round_scope([n for n, _ in names], refetch),
            source_types=names,
            lease_seconds=config.ops.lease_seconds,
            owner=owner,
        )
        leases = SourceLeases(store=store, round=round_, owner=owner, lease_seconds=config.ops.lease_seconds)
        pipeline = Pipeline(config=config, host=host, store=store, claims=leases, stop=stop)
        report = pipeline.ingest(refetch=refetch, only=wanted, on_source=on_source)
        if stop.is_set() and report.run_id is not None:
            store.mark_run(report.run_id, "stopped")
        written = None
        if not stop.is_set() and leases.close_round([n for n, _ in names]) and render_feeds:
            written = render(config, store)
            if config.ops.feed:
                from kzfeed.publish import render_ops_atom

                failing = store.unhealthy_sources(failing_after=config.ops.failing_after)
                written += write_outputs(config.output_dir, {"ops.atom": render_ops_atom(config, failing)})
        return RoundResult(report=report, written=written, stopped=stop.is_set(), round_id=round_.id)
    finally:
        lock.release()
