"""Database failures an operator can act on, told in one line: a full disk, a damaged file, a
database that cannot be opened or reached. Every statement of a store goes through
:func:`watch_errors`, so none of them ends in a traceback; the transaction that failed is
rolled back, so nothing stored before is lost."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from kzfeed.errors import KzfeedError
from kzfeed.storage._explain import explain

__all__ = ["explain_database_error", "watch_errors"]


def explain_database_error(exc: BaseException, url: URL) -> KzfeedError | None:
    """The one-line error that says what to do about ``exc``, or None for other failures."""
    return explain(
        exc, where=_where(url), remote=url.get_backend_name() != "sqlite", first_line=_first_line(exc)
    )


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
