"""The run lock of a SQLite database: a file lock next to it (``kzfeed.db.lock``, by
:mod:`filelock`, an ``flock`` on Unix) holding a line that says who holds it. The operating
system drops it when its holder dies, so a lock left by a killed run is never in the way; the
next holder reads the line left behind and says whose lock it takes over.

Standard library and filelock only: the SQLAlchemy store (``_locks``) and the ``sqlite3``
reader (``_lite``, a ``kzfeed run`` with nothing due) take the same lock.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kzfeed import clock
from kzfeed.errors import LockBusy

if TYPE_CHECKING:
    import filelock

__all__ = ["NoLock", "lock_file"]

_POLL_S = 0.2


@dataclass(slots=True)
class NoLock:
    """The lock of a private (in-memory) database: nothing to hold."""

    recovered_from: str | None = None

    def release(self) -> None:
        return None


@dataclass(slots=True)
class _FileLock:
    lock: filelock.BaseFileLock | None
    fd: int  # the lock's own descriptor (borrowed from filelock while held)
    recovered_from: str | None = None

    def release(self) -> None:
        if self.lock is None:
            return
        try:
            os.ftruncate(self.fd, 0)  # a clean exit leaves an empty file: nothing to recover
        finally:
            self.lock.release()
            self.lock = None


def _holder_line() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()} since {clock.now().isoformat()}"


def _read_holder(fd: int) -> str:
    return os.pread(fd, 200, 0).decode(errors="replace").strip()


def lock_file(db_path: Path, wait: float) -> _FileLock:
    """Take the run lock of the SQLite database at ``db_path``, waiting up to ``wait`` seconds.
    Raises :class:`~kzfeed.errors.LockBusy` (saying who holds it) when another run does."""
    import filelock  # only runs take the lock: other commands do not import it

    path = db_path.with_name(db_path.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    taken: dict[str, Any] = {}

    def write_holder(fd: int) -> None:
        # the line of a holder that died stays in the file: say whose lock we take over
        taken.update(fd=fd, previous=_read_holder(fd))
        os.ftruncate(fd, 0)
        os.pwrite(fd, (_holder_line() + "\n").encode(), 0)

    lock = filelock.FileLock(
        path,
        mode=0o644,
        thread_local=False,  # released by whichever thread ends the run
        poll_interval=_POLL_S,
        preserve_lock_file=True,
        on_acquired=write_holder,
    )
    try:
        lock.acquire(timeout=max(wait, 0.0))
    except filelock.Timeout:
        try:
            holder = path.read_text(errors="replace").strip()
        except OSError:
            holder = ""
        raise LockBusy(holder or "holder unknown") from None
    return _FileLock(lock=lock, fd=taken["fd"], recovered_from=taken["previous"] or None)
