"""A worker's run, safely: the run lock, claims of the due sources, the heartbeat, signals.

``run_due`` is what ``kzfeed run``, ``kzfeed ingest`` and ``kzfeed watch`` call. It takes the
run lock (``kzfeed.ops._lock``), frees the leases of this worker's earlier runs that died,
registers the worker, lets the pipeline claim the due sources a batch at a time (one statement
each, ``kzfeed.storage.SourceLeases``) until none is left, and renders the feeds. While it
works, a heartbeat thread renews its leases every third of ``[ops] lease_seconds``: a worker
killed mid-source stops renewing, and another worker takes its sources over once the lease has
run out. On SQLite (one process at a time under the file lock) there is no heartbeat and no
lease: the same steps read which sources are due and write nothing else.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import FrameType

from kzfeed.config import Config
from kzfeed.errors import KzfeedError
from kzfeed.models import RunReport, SourceStatus
from kzfeed.ops._extract import extract_processes
from kzfeed.ops._idle import RunResult
from kzfeed.ops._lock import acquire_run_lock, worker_name, worker_owner
from kzfeed.ops._render import CoalescedRenderer
from kzfeed.pipeline import Pipeline, build_sources, config_hash
from kzfeed.plugins import PluginHost
from kzfeed.storage import SourceLeases, StoreProtocol

__all__ = [
    "RunResult",
    "claim_batch",
    "heartbeat",
    "run_due",
    "stop_on_signals",
    "watching",
    "worker_name",
]

log = logging.getLogger("kzfeed.ops._worker")


def claim_batch(config: Config) -> int:
    """The most sources a worker holds at once: ``[ops] claim_batch``, else four per fetch thread."""
    return config.ops.claim_batch or 4 * max(1, config.fetch.workers)


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


@contextmanager
def heartbeat(store: StoreProtocol, owner: str, lease_seconds: int) -> Iterator[None]:
    """Renew the leases of ``owner`` every third of ``lease_seconds`` until the block ends (a
    thread; none where runs are exclusive, SQLite, since nothing is leased there)."""
    if store.runs_exclusive:
        yield
        return
    done = threading.Event()

    def beat() -> None:
        while not done.wait(lease_seconds / 3):
            try:
                store.renew_leases(owner, lease_seconds=lease_seconds)
            except KzfeedError as exc:  # the database is away: the next beat tries again
                log.warning("could not renew the leases of %s: %s", owner, exc)

    thread = threading.Thread(target=beat, name="kzfeed-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def run_due(
    config: Config,
    host: PluginHost,
    store: StoreProtocol,
    *,
    refetch: bool = False,
    every_source: bool = False,
    only: Iterable[str] | None = None,
    render_feeds: bool = True,
    wait: float | None = None,
    stop: threading.Event | None = None,
    on_source: Callable[[str], None] | None = None,
    on_start: Callable[[str], None] | None = None,
    stay: bool = False,
) -> RunResult:
    """One locked run of this worker over the sources due now (every one, due or not, with
    ``every_source`` or ``refetch``; those of ``only`` at once). Raises ``LockBusy`` when the
    worker's previous run still runs. With ``stay`` the worker's row is kept after the run
    (``kzfeed watch``, whose heartbeat goes on while it sleeps: see :func:`watching`)."""
    worker = worker_name(config)
    stop = stop or threading.Event()
    lock = acquire_run_lock(store, worker=worker, wait=config.ops.lock_wait if wait is None else wait)
    owner = worker_owner(config)
    try:
        if store.runs_exclusive:
            store.release_leases()  # under the file lock no other run is alive
            store.mark_stale_runs()
        else:
            # our earlier runs, dead: we hold their lock
            store.release_leases(owner_prefix=f"{worker}:", keep=owner)
            store.mark_stale_runs(worker_prefix=f"{worker}:")
        wanted = list(only) if only is not None else None
        configured = [(sc.name, sc.type, config_hash(sc)) for sc, _ in build_sources(config, host)]
        if wanted is not None:
            configured = [c for c in configured if c[0] in set(wanted)]
        store.register_worker(owner, configured)  # a source whose options changed is due at once
        leases = SourceLeases(
            store=store, owner=owner, lease_seconds=config.ops.lease_seconds, batch=claim_batch(config)
        )
        renderer = CoalescedRenderer(config, store, owner, enabled=render_feeds)
        with heartbeat(store, owner, config.ops.lease_seconds):
            pipeline = Pipeline(
                config=config,
                host=host,
                store=store,
                claims=leases,
                stop=stop,
                extract_processes=extract_processes(config, store),
                on_outcome=renderer.after_source,
            )
            report = pipeline.ingest(
                refetch=refetch,
                every_source=every_source,
                only=wanted,
                on_source=on_source,
                on_start=on_start,
            )
            if stop.is_set() and report.run_id is not None:
                store.mark_run(report.run_id, "stopped")
            written = renderer.finish(stop) if _worked(report) else None
        next_due = store.seconds_until_due([name for name, _, _ in configured])
        return RunResult(report=report, written=written, stopped=stop.is_set(), next_due_in=next_due)
    finally:
        try:
            store.unregister_worker(owner, keep_row=stay)
        except KzfeedError as exc:  # the database went away: the leases run out by themselves
            log.warning("could not sign %s off: %s", owner, exc)
        finally:
            lock.release()


@contextmanager
def watching(config: Config, store: StoreProtocol) -> Iterator[Callable[[threading.Event, float], None]]:
    """For ``kzfeed watch``: a ``sleep(stop, seconds)`` between runs (made with ``stay=True``)
    during which the worker's heartbeat goes on, so that ``kzfeed status`` shows it; its row
    goes when the block ends."""
    owner = worker_owner(config)

    def sleep(stop: threading.Event, seconds: float) -> None:
        with heartbeat(store, owner, config.ops.lease_seconds):
            stop.wait(seconds)

    try:
        yield sleep
    finally:
        try:
            store.unregister_worker(owner)
        except KzfeedError as exc:
            log.warning("could not sign %s off: %s", owner, exc)


def _worked(report: RunReport) -> bool:
    """Whether the run fetched a source (else there is nothing new to render: a pass of
    ``kzfeed watch`` that found nothing due, or a worker whose sources others hold)."""
    return any(s.status not in (SourceStatus.PAUSED, SourceStatus.SKIPPED) for s in report.sources)
