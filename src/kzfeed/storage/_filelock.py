"""The run lock of a SQLite database: an ``flock`` on a file next to it (``kzfeed.db.lock``)
holding a line that says who holds it. The operating system drops the lock when its holder
dies, so a lock left by a killed run is never in the way; the next holder reads the line left
behind and says whose lock it takes over. The file stays in place (waiters share its inode).

Hand-written on :func:`fcntl.flock` (Unix; kzfeed's lock also reads and writes the holder line
with ``os.pread``/``os.pwrite``): the filelock library it used took 16–50 ms of imports (50–100
ms wall on a loaded machine) on every run, a quarter of a run with nothing due. Standard
library only: the SQLAlchemy store (``_locks``) and the ``sqlite3`` reader (``_lite``, a
``kzfeed run`` with nothing due) take the same lock.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from kzfeed import clock
from kzfeed.errors import LockBusy

__all__ = ["NoLock", "lock_file"]

_POLL_S = 0.2
#: the lock files this process holds: a child made by a bare fork closes its copies
_HELD: set[int] = set()


@dataclass(slots=True)
class NoLock:
    """The lock of a private (in-memory) database: nothing to hold."""

    recovered_from: str | None = None

    def release(self) -> None:
        return None


@dataclass(slots=True)
class _FileLock:
    fd: int | None  # the open lock file, flock'ed; None once released
    recovered_from: str | None = None

    def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is None:
            return
        _HELD.discard(fd)
        import fcntl  # Unix only: imported where the lock is taken, not with the store

        try:
            os.ftruncate(fd, 0)  # a clean exit leaves an empty file: nothing to recover
        finally:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)


def _holder_line() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()} since {clock.now().isoformat()}"


def _read_holder(fd: int) -> str:
    return os.pread(fd, 200, 0).decode(errors="replace").strip()


def lock_file(db_path: Path, wait: float) -> _FileLock:
    """Take the run lock of the SQLite database at ``db_path``, waiting up to ``wait`` seconds.
    Raises :class:`~kzfeed.errors.LockBusy` (saying who holds it) when another run does."""
    import fcntl  # Unix only: imported where the lock is taken, not with the store

    path = db_path.with_name(db_path.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    deadline = time.monotonic() + max(wait, 0.0)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusy(_read_holder(fd) or "holder unknown") from None
                time.sleep(_POLL_S)
        # the line of a holder that died stays in the file: say whose lock we take over
        previous = _read_holder(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, (_holder_line() + "\n").encode(), 0)
    except BaseException:
        os.close(fd)  # closing it drops the flock, when we had it
        raise
    _HELD.add(fd)
    return _FileLock(fd=fd, recovered_from=previous or None)


def _close_in_child() -> None:
    """After a bare ``fork``: the child's copies of the lock files are closed, so that the lock
    stays the parent's (an ``flock`` lasts while any copy of the descriptor is open)."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


if hasattr(os, "register_at_fork"):  # Unix
    os.register_at_fork(after_in_child=_close_in_child)
