"""Storage: the database behind kzfeed (SQLite or PostgreSQL through SQLAlchemy).

One :class:`Store`, made of a mixin per table group, typed by :class:`StoreProtocol`. Only
models and the frozen records below go in and out; the engine, the tables in ``_schema`` and
every SQL statement are private to this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kzfeed._lazy import lazy_names

if TYPE_CHECKING:
    from kzfeed.storage._history import RunRecord, SourceRunRecord
    from kzfeed.storage._httpcache import DatabaseHttpCache
    from kzfeed.storage._items import SaveCounts
    from kzfeed.storage._leases import FleetStatus, OverdueSource, SourceLeases, WorkerRecord
    from kzfeed.storage._migrate import alembic_config, head_revision
    from kzfeed.storage._protocol import HttpCacheStore, RunLock, StoreProtocol
    from kzfeed.storage._retention import PrunedItem, PrunePlan
    from kzfeed.storage._schema import include_name, metadata
    from kzfeed.storage._search import SearchHit
    from kzfeed.storage._store import Store, open_store
    from kzfeed.storage._stories import Arrived

__all__ = [
    "Arrived",
    "DatabaseHttpCache",
    "FleetStatus",
    "HttpCacheStore",
    "OverdueSource",
    "PrunePlan",
    "PrunedItem",
    "RunLock",
    "RunRecord",
    "SaveCounts",
    "SearchHit",
    "SourceLeases",
    "SourceRunRecord",
    "Store",
    "StoreProtocol",
    "WorkerRecord",
    "alembic_config",
    "head_revision",
    "include_name",
    "metadata",
    "open_store",
]

if not TYPE_CHECKING:  # mypy checks the names imported above
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "_history": "RunRecord SourceRunRecord",
            "_httpcache": "DatabaseHttpCache",
            "_items": "SaveCounts",
            "_leases": "FleetStatus OverdueSource SourceLeases WorkerRecord",
            "_migrate": "alembic_config head_revision",
            "_protocol": "HttpCacheStore RunLock StoreProtocol",
            "_retention": "PrunePlan PrunedItem",
            "_schema": "include_name metadata",
            "_search": "SearchHit",
            "_stories": "Arrived",
            "_store": "Store open_store",
        },
    )
