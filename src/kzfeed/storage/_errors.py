"""Database failures an operator can act on, told in one line: a full disk, a damaged file, a
database that cannot be opened or reached. Every statement of a store goes through
:func:`watch_errors`, so none of them ends in a traceback; the transaction that failed is
rolled back, so nothing stored before is lost."""

from __future__ import annotations

import errno
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from kzfeed.errors import ConfigError, KzfeedError, StorageError

__all__ = ["explain_database_error", "watch_errors"]

_FULL = ("database or disk is full", "no space left on device", "disk full", "could not extend file")
_DAMAGED = ("file is not a database", "database disk image is malformed", "malformed database schema")
_CANNOT_OPEN = ("unable to open database file",)
_READ_ONLY = ("attempt to write a readonly database", "readonly database")
_IO = ("disk i/o error",)
_UNREACHABLE = ("connection refused", "could not connect", "connection failed", "could not translate host")


def explain_database_error(exc: BaseException, url: URL) -> KzfeedError | None:
    """The one-line error that says what to do about ``exc``, or None for other failures."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    where = _where(url)
    if any(s in text for s in _FULL) or _errno(exc) in (errno.ENOSPC, errno.EDQUOT):
        return StorageError(
            f"the disk holding {where} is full; free some space and run again "
            "(the unfinished write was rolled back: nothing stored before is lost)"
        )
    if any(s in text for s in _DAMAGED):
        return StorageError(
            f"{where} is damaged or not a kzfeed database ({_first_line(exc)}); kzfeed changed nothing "
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
    if url.get_backend_name() != "sqlite" and any(s in text for s in _UNREACHABLE):
        return StorageError(
            f"cannot connect to {where} ({_first_line(exc)}); check that the server is running "
            "and the 'database' URL in the config"
        )
    return None


def watch_errors(engine: Engine) -> None:
    """Replace the database errors :func:`explain_database_error` knows by their one-line
    :class:`~kzfeed.errors.KzfeedError` for every statement run on ``engine``."""
    url = engine.url

    def handle(context: Any) -> None:
        explained = explain_database_error(context.original_exception, url)
        if explained is not None:
            raise explained from context.original_exception

    event.listen(engine, "handle_error", handle)


def _where(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return f"the database file {url.database!r}"
    return f"the database {url.render_as_string(hide_password=True)!r}"


def _first_line(exc: BaseException) -> str:
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    if isinstance(orig, SQLAlchemyError):
        orig = orig.__cause__ or orig
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def _errno(exc: BaseException) -> int | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError):
            return seen.errno
        seen = seen.__cause__ or seen.__context__
    return None
