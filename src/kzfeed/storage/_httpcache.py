"""The fetcher's per-URL validators kept in the database (``http_cache`` table), so that the
next run sends conditional requests and honours Retry-After even after a restart."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from kzfeed.models import CacheEntry
from kzfeed.storage._base import StoreBase, at_commit, chunks, upsert
from kzfeed.storage._direct import insert_rows
from kzfeed.storage._runrows import TableHttpCache, cache_entry, cache_values
from kzfeed.storage._schema import http_cache

__all__ = ["DatabaseHttpCache", "HttpCacheMixin", "clear_retry_after", "write_cache_rows", "write_entries"]


class HttpCacheMixin(StoreBase):
    """The fetcher's cache, kept in the database."""

    def http_cache(self) -> DatabaseHttpCache:
        """The fetcher's per-URL validators (ETag, Last-Modified, freshness, Retry-After), stored."""
        return DatabaseHttpCache(self._engine)

    def clear_http_waits(self, urls: Iterable[str]) -> int:
        """Forget the Retry-After waits servers asked for on ``urls``; returns how many."""
        with self._engine.begin() as conn:
            return clear_retry_after(conn, urls)


class DatabaseHttpCache(TableHttpCache):
    """An :class:`~kzfeed.http.HttpCache` on the ``http_cache`` table, through SQLAlchemy."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine

    def _read(self, urls: list[str]) -> dict[str, CacheEntry]:
        found: dict[str, CacheEntry] = {}
        with self._engine.connect() as conn:
            for some in chunks(urls):
                for row in conn.execute(_ENTRIES, {"urls": list(some)}).mappings():
                    found[row["url"]] = cache_entry(row)
        return found

    def _write(self, entries: Mapping[str, CacheEntry]) -> None:
        with self._engine.begin() as conn:
            write_entries(conn, entries)


def write_entries(conn: Connection, entries: Mapping[str, CacheEntry]) -> None:
    """Insert or update ``entries`` in the transaction of ``conn``: one statement (an upsert;
    on another database, one query finds those stored, then one statement updates them and
    one inserts the others; a source of many pages writes an entry per page). In a run's held
    transaction (SQLite), as it commits, with the other sources' (``at_commit``), in the order
    they were written: a URL written twice keeps its last entry."""
    at_commit(conn, write_cache_rows, [{"url": url, **cache_values(entry)} for url, entry in entries.items()])


def write_cache_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or update ``http_cache`` rows (``url`` and :func:`cache_values`); of a URL given
    twice, the last."""
    last = {row["url"]: row for row in rows}
    if not last:
        return
    if upsert(conn.dialect.name, http_cache) is not None:
        insert_rows(conn, http_cache, list(last.values()), replace=True)
        return
    stored: set[str] = set()
    for some in chunks(list(last)):
        stored.update(conn.execute(_STORED, {"urls": list(some)}).scalars())
    if stored:
        changed = [(url, row) for url, row in last.items() if url in stored]
        conn.execute(_CHANGE, [{"stored_url": url, **_but_url(row)} for url, row in changed])
    if len(stored) < len(last):
        conn.execute(_INSERT, [row for url, row in last.items() if url not in stored])


def _but_url(row: dict[str, Any]) -> dict[str, Any]:
    """The columns of an ``http_cache`` row but its URL."""
    return {k: v for k, v in row.items() if k != "url"}


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
