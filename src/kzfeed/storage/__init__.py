"""Storage: the database behind kzfeed (SQLite or PostgreSQL through SQLAlchemy).

Only models go in and out; the tables in ``schema`` are private to this package.
"""

from kzfeed.storage._store import SaveCounts, Store, open_store

__all__ = ["SaveCounts", "Store", "open_store"]
