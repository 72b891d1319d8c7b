"""Storage: the database behind kzfeed (SQLite or PostgreSQL through SQLAlchemy).

One :class:`Store`, made of a mixin per table group, typed by :class:`StoreProtocol`. Only
models and the frozen records below go in and out; the engine, the tables in ``_schema`` and
every SQL statement are private to this package.
"""

from __future__ import annotations

from kzfeed.storage._history import RunRecord, SourceRunRecord
from kzfeed.storage._httpcache import DatabaseHttpCache
from kzfeed.storage._items import SaveCounts
from kzfeed.storage._leases import Round, SourceLeases, round_scope
from kzfeed.storage._locks import LockRefused, RunLock
from kzfeed.storage._migrate import alembic_config, head_revision
from kzfeed.storage._protocol import StoreProtocol
from kzfeed.storage._retention import PrunedItem, PrunePlan
from kzfeed.storage._schema import include_name, metadata
from kzfeed.storage._search import SearchHit
from kzfeed.storage._store import Store, open_store

__all__ = [
    "DatabaseHttpCache",
    "LockRefused",
    "PrunePlan",
    "PrunedItem",
    "Round",
    "RunLock",
    "RunRecord",
    "SaveCounts",
    "SearchHit",
    "SourceLeases",
    "SourceRunRecord",
    "Store",
    "StoreProtocol",
    "alembic_config",
    "head_revision",
    "include_name",
    "metadata",
    "open_store",
    "round_scope",
]
