"""The values of the rows a run writes for its bookkeeping, on the standard library alone: a
source's health row, a source's run record, an HTTP cache entry, and the counts of a saved
batch; with the claims of one worker (:class:`SourceLeases`).

The SQLAlchemy store (``_sources``, ``_history``, ``_httpcache``, ``_items``) and the
``sqlite3`` store of a run (``_quickrun``) write these same values, so that the two leave the
same rows.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kzfeed.models import CacheEntry, RunError, SourceRun, SourceState
from kzfeed.storage._times import utc

if TYPE_CHECKING:
    from kzfeed.storage._protocol import StoreProtocol

__all__ = [
    "SaveCounts",
    "SourceLeases",
    "TableHttpCache",
    "cache_values",
    "run_source_values",
    "source_values",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class SaveCounts:
    """What :meth:`ItemsMixin.save_source <kzfeed.storage.StoreProtocol.save_source>` did with a batch."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    #: guids of new items not stored because the source already has an item with that guid
    #: (under another link): the stored one is kept
    guid_taken: tuple[str, ...] = ()
    #: the ids of the new items
    new_ids: frozenset[str] = frozenset()


@dataclass(slots=True)
class SourceLeases:
    """The claims of one worker (what ``Pipeline.ingest`` asks before it fetches a source)."""

    store: StoreProtocol
    owner: str  # "worker:pid"
    lease_seconds: int
    #: the most sources this worker holds at once; it claims again when half of them are done
    batch: int

    def claim(self, candidates: Collection[str], *, limit: int, due_only: bool = True) -> list[str]:
        """Claim up to ``limit`` of ``candidates`` (due ones only unless ``due_only`` is False)."""
        return self.store.claim_sources(
            self.owner, candidates, limit=limit, lease_seconds=self.lease_seconds, due_only=due_only
        )

    def finish(self, due_in: Mapping[str, float]) -> None:
        """These sources are done (stored or failed): due again in that many seconds."""
        self.store.finish_sources(self.owner, due_in)

    def drop(self, names: Sequence[str]) -> None:
        """Give these sources back unfetched (a stop signal): due as they were."""
        self.store.drop_claims(self.owner, names)


def source_values(state: SourceState, config_hash: str) -> dict[str, Any]:
    """The columns of a source's health row (``sources``) that a run writes."""
    return {
        "name": state.name,
        "type": state.type,
        "config_hash": config_hash,
        "url": state.url,
        "etag": state.etag,
        "last_modified": state.last_modified,
        "last_attempt": state.last_attempt,
        "last_ok": state.last_ok,
        "last_status": state.last_status,
        "last_error": state.last_error,
        "items_last_run": state.items_last_run,
        "consecutive_failures": state.consecutive_failures,
        "next_due": state.next_due,
        "paused": state.paused,
        "cursor": json.dumps(state.cursor, sort_keys=True, ensure_ascii=False),
    }


def run_source_values(run_id: int, outcome: SourceRun) -> dict[str, Any]:
    """The row of ``run_sources``: what run ``run_id`` did for one source."""
    error = RunError.of(outcome)
    return {
        "run_id": run_id,
        "source": outcome.source,
        "status": outcome.status.value,
        "http_status": outcome.http_status,
        "new": outcome.new,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "failed": outcome.failed,
        "duration_ms": round(outcome.duration_s * 1000),
        "error": error.message if error else None,
        "error_kind": error.kind.value if error else None,
        "error_url": error.url if error else None,
        "error_at": error.at if error else None,
        "warnings": json.dumps(list(outcome.warnings), ensure_ascii=False),
    }


def cache_entry(row: Any) -> CacheEntry:
    """The entry of an ``http_cache`` row (a mapping by column; times as either store reads them)."""
    return CacheEntry(
        etag=row["etag"],
        last_modified=row["last_modified"],
        expires=utc(row["expires"]),
        retry_after=utc(row["retry_after"]),
        last_status=row["last_status"],
    )


def cache_values(entry: CacheEntry) -> dict[str, Any]:
    """The columns of an ``http_cache`` row besides its URL."""
    return {
        "etag": entry.etag,
        "last_modified": entry.last_modified,
        "expires": entry.expires,
        "retry_after": entry.retry_after,
        "last_status": entry.last_status,
    }


class TableHttpCache:
    """The fetcher's ``HttpCache`` on the ``http_cache`` table, whatever runs its SQL (the
    subclass: ``_read`` and ``_write``). Thread-safe.

    An entry is written only when it changed: an unchanged 304 writes nothing.
    """

    def __init__(self) -> None:
        self._seen: dict[str, CacheEntry | None] = {}
        self._lock = threading.Lock()

    def _read(self, urls: list[str]) -> dict[str, CacheEntry]:
        """The stored entries of ``urls`` (those stored only)."""
        raise NotImplementedError

    def _write(self, entries: Mapping[str, CacheEntry]) -> None:
        """Insert or update ``entries``, in a transaction of their own."""
        raise NotImplementedError

    def load(self, url: str) -> CacheEntry | None:
        return self.load_many([url])[url]

    def load_many(self, urls: Iterable[str]) -> dict[str, CacheEntry | None]:
        """The entries of ``urls`` (None for those never saved), read in one query (a chunk
        of URLs at a time): a source of many pages asks once, not once per page."""
        wanted = list(dict.fromkeys(urls))
        found: dict[str, CacheEntry | None] = dict.fromkeys(wanted)
        found.update(self._read(wanted))
        with self._lock:
            self._seen.update(found)
        return found

    def save(self, url: str, entry: CacheEntry) -> None:
        with self._lock:
            known = url in self._seen
            old = self._seen.get(url)
        if known and _same(old, entry):
            return
        self._write({url: entry})
        self.remember({url: entry})

    def changed(self, entries: Mapping[str, CacheEntry]) -> dict[str, CacheEntry]:
        """The entries worth writing: those that differ from what was loaded or written (looked
        up one by one: copying what the run has seen cost each source the run's size)."""
        seen = self._seen
        with self._lock:
            return {u: e for u, e in entries.items() if u not in seen or not _same(seen[u], e)}

    def remember(self, entries: Mapping[str, CacheEntry]) -> None:
        """Note entries written by someone else's transaction (``write_entries``)."""
        with self._lock:
            self._seen.update(entries)


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
