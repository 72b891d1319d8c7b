"""Storage: the database behind kzfeed (SQLite or PostgreSQL through SQLAlchemy).

One :class:`Store`, made of a mixin per table group, typed by :class:`StoreProtocol`. Only
models and the frozen records below go in and out; the engine, the tables in ``_schema`` and
every SQL statement are private to this package. :func:`open_quick` opens a SQLite database at
the newest schema on the standard library's ``sqlite3`` instead, for ``kzfeed status``'s reads
and a ``kzfeed run`` with nothing due (:class:`StatusStore`; no SQLAlchemy import).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kzfeed._lazy import lazy_names

if TYPE_CHECKING:
    from kzfeed.storage._httpcache import DatabaseHttpCache
    from kzfeed.storage._lite import QuickStore, open_quick
    from kzfeed.storage._migrate import alembic_config, head_revision
    from kzfeed.storage._protocol import HttpCacheStore, RunLock, StatusStore, StoreProtocol
    from kzfeed.storage._quickrun import open_quick_run
    from kzfeed.storage._records import (
        Arrived,
        FleetStatus,
        OverdueSource,
        RunRecord,
        SourceRunRecord,
        WorkerRecord,
    )
    from kzfeed.storage._retention import PrunedItem, PrunePlan
    from kzfeed.storage._runrows import SaveCounts, SourceLeases
    from kzfeed.storage._schema import include_name, metadata
    from kzfeed.storage._search import SearchHit
    from kzfeed.storage._store import Store, open_store

__all__ = [
    "Arrived",
    "DatabaseHttpCache",
    "FleetStatus",
    "HttpCacheStore",
    "OverdueSource",
    "PrunePlan",
    "PrunedItem",
    "QuickStore",
    "RunLock",
    "RunRecord",
    "SaveCounts",
    "SearchHit",
    "SourceLeases",
    "SourceRunRecord",
    "StatusStore",
    "Store",
    "StoreProtocol",
    "WorkerRecord",
    "alembic_config",
    "head_revision",
    "include_name",
    "metadata",
    "open_quick",
    "open_quick_run",
    "open_store",
]

if not TYPE_CHECKING:  # mypy checks the names imported above
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "_httpcache": "DatabaseHttpCache",
            "_lite": "QuickStore open_quick",
            "_migrate": "alembic_config head_revision",
            "_protocol": "HttpCacheStore RunLock StatusStore StoreProtocol",
            "_records": "Arrived FleetStatus OverdueSource RunRecord SourceRunRecord WorkerRecord",
            "_quickrun": "open_quick_run",
            "_retention": "PrunePlan PrunedItem",
            "_runrows": "SaveCounts SourceLeases",
            "_schema": "include_name metadata",
            "_search": "SearchHit",
            "_store": "Store open_store",
        },
    )
