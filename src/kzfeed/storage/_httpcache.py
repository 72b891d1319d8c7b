"""The fetcher's per-URL validators kept in the database (``http_cache`` table), so that the
next run sends conditional requests and honours Retry-After even after a restart."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, insert, select, update

from kzfeed.http import CacheEntry
from kzfeed.storage._base import StoreBase
from kzfeed.storage._schema import http_cache

__all__ = ["DatabaseHttpCache", "HttpCacheMixin"]


class HttpCacheMixin(StoreBase):
    """The fetcher's cache, kept in the database."""

    def http_cache(self) -> DatabaseHttpCache:
        """The fetcher's per-URL validators (ETag, Last-Modified, freshness, Retry-After), stored."""
        return DatabaseHttpCache(self._engine)


class DatabaseHttpCache:
    """An :class:`~kzfeed.http._client.HttpCache` on the ``http_cache`` table. Thread-safe.

    An entry is written only when it changed: an unchanged 304 writes nothing.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._seen: dict[str, CacheEntry | None] = {}
        self._lock = threading.Lock()

    def load(self, url: str) -> CacheEntry | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(http_cache).where(http_cache.c.url == url)).mappings().first()
        entry = None
        if row is not None:
            entry = CacheEntry(
                etag=row["etag"],
                last_modified=row["last_modified"],
                expires=row["expires"],
                retry_after=row["retry_after"],
                last_status=row["last_status"],
            )
        with self._lock:
            self._seen[url] = entry
        return entry

    def save(self, url: str, entry: CacheEntry) -> None:
        with self._lock:
            known = url in self._seen
            old = self._seen.get(url)
        if known and _same(old, entry):
            return
        values = {
            "etag": entry.etag,
            "last_modified": entry.last_modified,
            "expires": entry.expires,
            "retry_after": entry.retry_after,
            "last_status": entry.last_status,
        }
        with self._engine.begin() as conn:
            result = conn.execute(update(http_cache).where(http_cache.c.url == url).values(**values))
            if not result.rowcount:
                conn.execute(insert(http_cache).values(url=url, **values))
        with self._lock:
            self._seen[url] = entry


def _same(old: CacheEntry | None, new: CacheEntry) -> bool:
    # a 304 after a 200 changes nothing worth a write: the validators are what matter
    if old is None:
        return False
    ok = (old.last_status or 0) < 400 and (new.last_status or 0) < 400
    return (old.etag, old.last_modified, old.expires, old.retry_after) == (
        new.etag,
        new.last_modified,
        new.expires,
        new.retry_after,
    ) and (ok or old.last_status == new.last_status)
