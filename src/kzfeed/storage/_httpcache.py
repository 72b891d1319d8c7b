"""The fetcher's per-URL validators kept in the database (``http_cache`` table), so that the
next run sends conditional requests and honours Retry-After even after a restart."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from kzfeed.models import CacheEntry
from kzfeed.storage._base import StoreBase, chunks, upsert
from kzfeed.storage._schema import http_cache

__all__ = ["DatabaseHttpCache", "HttpCacheMixin", "clear_retry_after", "write_entries"]


class HttpCacheMixin(StoreBase):
    """The fetcher's cache, kept in the database."""

    def http_cache(self) -> DatabaseHttpCache:
        """The fetcher's per-URL validators (ETag, Last-Modified, freshness, Retry-After), stored."""
        return DatabaseHttpCache(self._engine)

    def clear_http_waits(self, urls: Iterable[str]) -> int:
        """Forget the Retry-After waits servers asked for on ``urls``; returns how many."""
        with self._engine.begin() as conn:
            return clear_retry_after(conn, urls)


class DatabaseHttpCache:
    """An :class:`~kzfeed.http.HttpCache` on the ``http_cache`` table. Thread-safe.

    An entry is written only when it changed: an unchanged 304 writes nothing.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._seen: dict[str, CacheEntry | None] = {}
        self._lock = threading.Lock()

    def load(self, url: str) -> CacheEntry | None:
        return self.load_many([url])[url]

    def load_many(self, urls: Iterable[str]) -> dict[str, CacheEntry | None]:
        """The entries of ``urls`` (None for those never saved), read in one query (a chunk
        of URLs at a time): a source of many pages asks once, not once per page."""
        wanted = list(dict.fromkeys(urls))
        found: dict[str, CacheEntry | None] = dict.fromkeys(wanted)
        with self._engine.connect() as conn:
            for some in chunks(wanted):
                for row in conn.execute(_ENTRIES, {"urls": list(some)}).mappings():
                    found[row["url"]] = CacheEntry(
                        etag=row["etag"],
                        last_modified=row["last_modified"],
                        expires=row["expires"],
                        retry_after=row["retry_after"],
                        last_status=row["last_status"],
                    )
        with self._lock:
            self._seen.update(found)
        return found

    def save(self, url: str, entry: CacheEntry) -> None:
        with self._lock:
            known = url in self._seen
            old = self._seen.get(url)
        if known and _same(old, entry):
            return
        with self._engine.begin() as conn:
            write_entries(conn, {url: entry})
        self.remember({url: entry})

    def changed(self, entries: Mapping[str, CacheEntry]) -> dict[str, CacheEntry]:
        """The entries worth writing: those that differ from what was loaded or written."""
        with self._lock:
            seen = dict(self._seen)
        return {u: e for u, e in entries.items() if u not in seen or not _same(seen[u], e)}

    def remember(self, entries: Mapping[str, CacheEntry]) -> None:
        """Note entries written by someone else's transaction (``write_entries``)."""
        with self._lock:
            self._seen.update(entries)


def write_entries(conn: Connection, entries: Mapping[str, CacheEntry]) -> None:
    """Insert or update ``entries`` in the transaction of ``conn``: one statement (an upsert;
    on another database, one query finds those stored, then one statement updates them and
    one inserts the others; a source of many pages writes an entry per page)."""
    if not entries:
        return
    rows = {
        url: {
            "etag": entry.etag,
            "last_modified": entry.last_modified,
            "expires": entry.expires,
            "retry_after": entry.retry_after,
            "last_status": entry.last_status,
        }
        for url, entry in entries.items()
    }
    replacing = upsert(conn.dialect.name, http_cache)
    if replacing is not None:
        conn.execute(replacing, [{"url": url, **row} for url, row in rows.items()])
        return
    stored: set[str] = set()
    for some in chunks(list(rows)):
        stored.update(conn.execute(_STORED, {"urls": list(some)}).scalars())
    if stored:
        conn.execute(_CHANGE, [{"stored_url": url, **rows[url]} for url in rows if url in stored])
    if len(stored) < len(rows):
        conn.execute(_INSERT, [{"url": url, **row} for url, row in rows.items() if url not in stored])


# built once (building a statement costs more than running it): the URLs of ``:urls`` stored,
# the change of one, a new one; and every column of the entries of ``:urls``
_STORED = select(http_cache.c.url).where(http_cache.c.url.in_(bindparam("urls", expanding=True)))
_CHANGE = update(http_cache).where(http_cache.c.url == bindparam("stored_url"))
_INSERT = insert(http_cache)
_ENTRIES = select(http_cache).where(http_cache.c.url.in_(bindparam("urls", expanding=True)))


def clear_retry_after(conn: Connection, urls: Iterable[str]) -> int:
    """Forget the Retry-After waits of ``urls``; returns how many there were."""
    wanted = list(urls)
    if not wanted:
        return 0
    query = update(http_cache).where(http_cache.c.url.in_(wanted), http_cache.c.retry_after.is_not(None))
    return int(conn.execute(query.values(retry_after=None)).rowcount or 0)


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
