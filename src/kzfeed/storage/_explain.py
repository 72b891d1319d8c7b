"""Database failures an operator can act on, told in one line, on the standard library alone:
the text of a failure of SQLAlchemy's store (``_errors``) or of ``sqlite3`` (``_quickrun``)
becomes the :class:`~kzfeed.errors.KzfeedError` that says what to do."""

from __future__ import annotations

import errno

from kzfeed.errors import ConfigError, KzfeedError, StorageError

__all__ = ["error_number", "explain"]

_FULL = ("database or disk is full", "no space left on device", "disk full", "could not extend file")
_DAMAGED = ("file is not a database", "database disk image is malformed", "malformed database schema")
_CANNOT_OPEN = ("unable to open database file",)
_READ_ONLY = ("attempt to write a readonly database", "readonly database")
_IO = ("disk i/o error",)
_UNREACHABLE = ("connection refused", "could not connect", "connection failed", "could not translate host")


def explain(exc: BaseException, *, where: str, remote: bool, first_line: str) -> KzfeedError | None:
    """The one-line error that says what to do about ``exc`` (the database's error, or
    SQLAlchemy's around it) on ``where`` (the file or database, as the message names it);
    None for other failures. ``remote``: a server, not a file."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if any(s in text for s in _FULL) or error_number(exc) in (errno.ENOSPC, errno.EDQUOT):
        return StorageError(
            f"the disk holding {where} is full; free some space and run again "
            "(the unfinished write was rolled back: nothing stored before is lost)"
        )
    if any(s in text for s in _DAMAGED):
        return StorageError(
            f"{where} is damaged or not a kzfeed database ({first_line}); kzfeed changed nothing "
            "in it: restore it from a backup, or move it away and run again to start a new one"
        )
    if any(s in text for s in _CANNOT_OPEN):
        return ConfigError(
            f"cannot open {where}: check that its folder exists and kzfeed may write there, "
            "or fix 'database' in the config"
        )
    if any(s in text for s in _READ_ONLY):
        return StorageError(f"{where} is read-only for kzfeed; give the user running kzfeed write access")
    if any(s in text for s in _IO):
        return StorageError(
            f"the disk holding {where} failed to read or write (disk I/O error); check the disk and "
            "run again (the unfinished write was rolled back)"
        )
    if remote and any(s in text for s in _UNREACHABLE):
        return StorageError(
            f"cannot connect to {where} ({first_line}); check that the server is running "
            "and the 'database' URL in the config"
        )
    return None


def error_number(exc: BaseException) -> int | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError):
            return seen.errno
        seen = seen.__cause__ or seen.__context__
    return None
