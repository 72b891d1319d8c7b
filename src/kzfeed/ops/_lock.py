"""The lock that keeps two ``kzfeed run`` of one worker from overlapping.

On SQLite it is an ``flock`` on a file next to the database (``kzfeed.db.lock``); on PostgreSQL
a session advisory lock named after the worker, so that workers on other machines can share the
work (``kzfeed.ops._rounds``) while a slow run of one worker is never overlapped by its next one. The
operating system drops either lock when its holder dies, so a lock left by a killed run is never
in the way: the next run takes it over and says so.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url

from kzfeed import clock
from kzfeed.errors import KzfeedError, LockBusy
from kzfeed.storage import Store

__all__ = ["LockBusy", "RunLock", "acquire_run_lock", "default_worker_name"]

log = logging.getLogger("kzfeed.ops._lock")

_POLL_S = 0.2


class RunLock(Protocol):
    """A held lock; ``release()`` is safe to call twice."""

    #: who held it before us and died without releasing it, when known
    recovered_from: str | None

    def release(self) -> None: ...


def default_worker_name() -> str:
    return socket.gethostname() or "kzfeed"


def _holder_line() -> str:
    now = clock.now().isoformat()
    return f"pid {os.getpid()} on {socket.gethostname()} since {now}"


@dataclass(slots=True)
class _FileLock:
    path: Path
    fd: int
    recovered_from: str | None = None

    def release(self) -> None:
        if self.fd < 0:
            return
        try:
            os.ftruncate(self.fd, 0)  # a clean exit leaves an empty file: nothing to recover
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            os.close(self.fd)
            self.fd = -1


@dataclass(slots=True)
class _AdvisoryLock:
    connection: Any
    key: int
    recovered_from: str | None = None

    def release(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        finally:
            self.connection.close()
            self.connection = None


def _lock_file(db_path: Path, wait: float) -> _FileLock:
    path = db_path.with_name(db_path.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "holder unknown"
                os.close(fd)
                raise LockBusy(holder) from None
            time.sleep(_POLL_S)
    previous = os.pread(fd, 200, 0).decode(errors="replace").strip()
    os.ftruncate(fd, 0)
    os.pwrite(fd, (_holder_line() + "\n").encode(), 0)
    return _FileLock(path=path, fd=fd, recovered_from=previous or None)


def _advisory_key(worker: str) -> int:
    digest = hashlib.sha256(f"kzfeed-run:{worker}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock_advisory(store: Store, worker: str, wait: float) -> _AdvisoryLock:
    key = _advisory_key(worker)
    conn = store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    deadline = time.monotonic() + wait
    while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar_one():
        if time.monotonic() >= deadline:
            conn.close()
            raise LockBusy(f"worker {worker!r} is running against this database")
        time.sleep(_POLL_S)
    return _AdvisoryLock(connection=conn, key=key)


def acquire_run_lock(store: Store, *, worker: str, wait: float = 0.0) -> RunLock:
    """Take the run lock of ``worker`` on the database of ``store``, waiting up to ``wait``
    seconds. Raises ``LockBusy`` when another run still holds it."""
    url = make_url(str(store.engine.url))
    if store.engine.dialect.name == "sqlite":
        if url.database in (None, "", ":memory:"):
            return _FileLock(path=Path(os.devnull), fd=-1)  # a private database needs no lock
        lock: RunLock = _lock_file(Path(url.database or ""), wait)
    elif store.engine.dialect.name == "postgresql":
        lock = _lock_advisory(store, worker, wait)
    else:
        raise KzfeedError(f"kzfeed cannot lock runs on a {store.engine.dialect.name} database")
    if lock.recovered_from:
        log.warning("a previous run (%s) ended without releasing its lock; taking over", lock.recovered_from)
    return lock
