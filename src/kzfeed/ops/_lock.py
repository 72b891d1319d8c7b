"""The lock that keeps two ``kzfeed run`` of one worker from overlapping.

The lock belongs to the database (``Store.lock_runs``): on SQLite a file lock next to the
database (``kzfeed.db.lock``), on PostgreSQL a session advisory lock named after the worker, so
that workers on other machines can share the work (``kzfeed.ops._worker``) while a slow run of
one worker is never overlapped by its next one. The operating system drops either lock when its
holder dies, so a lock left by a killed run is never in the way: the next run takes it over and
says so.
"""

from __future__ import annotations

import logging
import socket

from kzfeed.errors import LockBusy
from kzfeed.storage import RunLock, StoreProtocol

__all__ = ["LockBusy", "RunLock", "acquire_run_lock", "default_worker_name"]

log = logging.getLogger("kzfeed.ops._lock")


def default_worker_name() -> str:
    return socket.gethostname() or "kzfeed"


def acquire_run_lock(store: StoreProtocol, *, worker: str, wait: float = 0.0) -> RunLock:
    """Take the run lock of ``worker`` on the database of ``store``, waiting up to ``wait``
    seconds. Raises ``LockBusy`` when another run still holds it."""
    lock = store.lock_runs(worker, wait=wait)
    if lock.recovered_from:
        log.warning("a previous run (%s) ended without releasing its lock; taking over", lock.recovered_from)
    return lock
