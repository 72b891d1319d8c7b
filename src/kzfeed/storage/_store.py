"""The Store: one class made of a mixin per table group, opened by :func:`open_store`.

Each mixin is in its own module (``_sources``, ``_items``, ``_history``, ``_httpcache``,
``_leases``, ``_heads``, ``_locks``, ``_hosts``, ``_renders``, ``_search``, ``_stories``, ``_retention``,
``_migrate``) and shares only
the engine of :class:`~kzfeed.storage._base.StoreBase`; what callers may rely on is
:class:`~kzfeed.storage.StoreProtocol`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from kzfeed.errors import ConfigError, KzfeedError, StorageError
from kzfeed.storage import _migrate as migrate
from kzfeed.storage._errors import explain_database_error, watch_errors
from kzfeed.storage._heads import HeadsMixin
from kzfeed.storage._history import RunsMixin
from kzfeed.storage._hosts import HostsMixin
from kzfeed.storage._httpcache import HttpCacheMixin
from kzfeed.storage._items import ItemsMixin
from kzfeed.storage._leases import LeasesMixin
from kzfeed.storage._locks import LocksMixin
from kzfeed.storage._renders import RendersMixin
from kzfeed.storage._retention import RetentionMixin
from kzfeed.storage._search import SearchMixin
from kzfeed.storage._signals import SignalsMixin
from kzfeed.storage._sources import SourcesMixin
from kzfeed.storage._stories import StoriesMixin

if TYPE_CHECKING:
    from kzfeed.storage._protocol import StoreProtocol

__all__ = ["Store", "open_store"]


class Store(
    SourcesMixin,
    ItemsMixin,
    HeadsMixin,
    RunsMixin,
    HttpCacheMixin,
    LeasesMixin,
    LocksMixin,
    HostsMixin,
    RendersMixin,
    SearchMixin,
    StoriesMixin,
    SignalsMixin,
    RetentionMixin,
    migrate.SchemaMixin,
):
    """All reads and writes of kzfeed's database (SQLite or PostgreSQL, through SQLAlchemy)."""


if TYPE_CHECKING:
    _implements: type[StoreProtocol] = Store  # mypy checks that Store keeps the promise


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_file(parsed: URL) -> bool:
    """Whether ``parsed`` is a SQLite database in a file (as SQLAlchemy tells them apart)."""
    return (
        parsed.get_backend_name() == "sqlite"
        and parsed.database not in (None, "", ":memory:")
        and parsed.query.get("mode") != "memory"
    )


def _pool_options(parsed: URL) -> dict[str, Any]:
    """How many connections the engine keeps. PostgreSQL: each fetching thread may hold two at
    once (robots.txt of a site is fetched inside the transaction that stores it, and that
    request takes a turn of the site in another), besides the run's own: more than
    SQLAlchemy's 5 + 10. SQLite: two kept between uses, the last returned taken first (up to
    15 at once, as before): each SQLite connection keeps its own page cache and up to 128
    prepared statements, and SQLAlchemy's five taken in turn held every statement of a run
    five times (at 200 feeds a first update's SQLite memory reached 17 MiB, 4 MiB with these;
    docs/benchmarks.md, lean lane session 6); a connection opened for a third use at once
    costs ~2 ms. (An in-memory SQLite database has one connection a thread: nothing to set.)"""
    if parsed.get_backend_name() == "postgresql":
        return {"pool_size": 10, "max_overflow": 30}
    if _sqlite_file(parsed):
        return {"pool_size": 2, "max_overflow": 13, "pool_use_lifo": True}
    return {}


def open_store(url: str, *, migrate_schema: bool = True) -> Store:
    """Open (and, for SQLite, create) the database at ``url`` and bring its schema up to date.

    A bad URL or a database that cannot be opened is a ``ConfigError`` (exit code 2); a
    damaged file, a full disk or an unreachable server a ``StorageError``: one line each that
    says what to do (``_errors``), here and for every statement the store runs later."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"database URL {url!r} is not valid; write e.g. 'sqlite:///var/kzfeed.db' "
            "or 'postgresql+psycopg://user@host/kzfeed'"
        ) from exc
    if _sqlite_file(parsed):
        path = Path(parsed.database or "")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create the folder for database {str(path)!r} ({exc.strerror}); "
                "fix 'database' in the config"
            ) from exc
    try:
        engine = create_engine(url, future=True, **_pool_options(parsed))
    except (ArgumentError, ImportError) as exc:
        hint = " (pip install 'kzfeed[postgres]')" if parsed.get_backend_name() == "postgresql" else ""
        raise ConfigError(
            f"cannot use database {parsed.render_as_string()!r} ({exc}){hint}; fix 'database' in the config"
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    watch_errors(engine)
    store = Store(engine)
    if migrate_schema:
        try:
            migrate.upgrade(engine)
        except KzfeedError:
            engine.dispose()
            raise
        except SQLAlchemyError as exc:
            engine.dispose()
            explained = explain_database_error(exc, engine.url)
            if explained is not None:
                raise explained from exc
            first = str(exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc).strip().splitlines()[0]
            raise StorageError(
                f"cannot open database {parsed.render_as_string()!r}: {exc.__class__.__name__}: {first}"
            ) from exc
    return store
