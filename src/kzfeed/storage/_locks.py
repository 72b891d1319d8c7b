"""The run lock's storage side: a lock scoped to one database, so that two runs of one worker
never overlap.

On SQLite it is a file lock next to the database (``kzfeed.db.lock``, an ``flock``:
``_filelock``) holding a line that says who holds it; on PostgreSQL a session advisory lock
named after the worker, so that workers on other machines can share the work while a slow run of
one worker is never overlapped by its next one. The operating system (or the server) drops
either lock when its holder dies, so a lock left by a killed run is never in the way.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from kzfeed.errors import LockBusy, StorageError
from kzfeed.storage._base import StoreBase
from kzfeed.storage._filelock import NoLock as _NoLock
from kzfeed.storage._filelock import lock_file

if TYPE_CHECKING:
    from kzfeed.storage._protocol import RunLock

__all__ = ["LocksMixin"]

_POLL_S = 0.2


class LocksMixin(StoreBase):
    """The run lock of a worker on this database."""

    @property
    def runs_exclusive(self) -> bool:
        """True when a held run lock keeps every other run off this database (SQLite's file lock),
        so that leases and runs left ``running`` belong to dead runs."""
        return self.backend == "sqlite"

    def lock_runs(self, worker: str, *, wait: float = 0.0) -> RunLock:
        """Take the run lock of ``worker``, waiting up to ``wait`` seconds. Raises
        :class:`~kzfeed.errors.LockBusy` (saying who holds it) when another run still does."""
        if self.backend == "sqlite":
            database = make_url(str(self._engine.url)).database
            if database in (None, "", ":memory:"):
                return _NoLock()  # a private database needs no lock
            return lock_file(Path(database or ""), wait)
        if self.backend == "postgresql":
            return _lock_advisory(self._engine.connect(), worker, wait)
        raise StorageError(f"kzfeed cannot lock runs on a {self.backend} database")


@dataclass(slots=True)
class _AdvisoryLock:
    connection: Any
    key: int
    recovered_from: str | None = field(default=None)

    def release(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        finally:
            self.connection.close()
            self.connection = None


def _advisory_key(worker: str) -> int:
    digest = hashlib.sha256(f"kzfeed-run:{worker}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _lock_advisory(connection: Any, worker: str, wait: float) -> _AdvisoryLock:
    key = _advisory_key(worker)
    conn = connection.execution_options(isolation_level="AUTOCOMMIT")
    deadline = time.monotonic() + wait
    while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar_one():
        if time.monotonic() >= deadline:
            conn.close()
            raise LockBusy(f"worker {worker!r} is running against this database")
        time.sleep(_POLL_S)
    return _AdvisoryLock(connection=conn, key=key)
