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
import os
import socket
from typing import Protocol

from kzfeed.config import Config
from kzfeed.errors import LockBusy
from kzfeed.storage import RunLock

__all__ = ["LockBusy", "RunLock", "acquire_run_lock", "default_worker_name", "worker_name", "worker_owner"]

log = logging.getLogger("kzfeed.ops._lock")


def default_worker_name() -> str:
    return socket.gethostname() or "kzfeed"


class _Lockable(Protocol):
    """A store that takes run locks: the full one, or the ``sqlite3`` reader of a run with
    nothing due (``kzfeed.storage.QuickStore``)."""

    def lock_runs(self, worker: str, *, wait: float = 0.0) -> RunLock: ...


def worker_name(config: Config) -> str:
    """The name this worker leases sources under: ``KZFEED_WORKER``, ``ops.worker``, else the host."""
    return os.environ.get("KZFEED_WORKER") or config.ops.worker or default_worker_name()


def worker_owner(config: Config) -> str:
    """What this process's leases and worker row are held under: ``worker:pid``."""
    return f"{worker_name(config)}:{os.getpid()}"


def acquire_run_lock(store: _Lockable, *, worker: str, wait: float = 0.0) -> RunLock:
    """Take the run lock of ``worker`` on the database of ``store``, waiting up to ``wait``
    seconds. Raises ``LockBusy`` when another run still holds it."""
    lock = store.lock_runs(worker, wait=wait)
    if lock.recovered_from:
        log.warning("a previous run (%s) ended without releasing its lock; taking over", lock.recovered_from)
    return lock
