"""What the fetcher remembers per URL: validators, freshness, Retry-After; back-off after failures."""

from __future__ import annotations

import email.utils
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from kzfeed.http._policy import FetchPolicy
from kzfeed.models import CacheEntry  # kept with the models: storage keeps it too

__all__ = [
    "CacheEntry",
    "HttpCache",
    "MemoryHttpCache",
    "StagedHttpCache",
    "next_attempt_after",
    "next_entry",
    "retry_after",
]


def next_attempt_after(consecutive_failures: int, policy: FetchPolicy) -> timedelta:
    """How long to wait before trying a source again after ``consecutive_failures`` failures in a
    row: ``backoff_base`` doubled for each failure after the first, at most ``backoff_cap``."""
    if consecutive_failures <= 0:
        return timedelta(0)
    exponent = min(consecutive_failures - 1, 62)  # 2**62 s is past any cap; avoids float overflow
    return timedelta(seconds=min(policy.backoff_base * 2.0**exponent, policy.backoff_cap))


@runtime_checkable
class HttpCache(Protocol):
    """Where the fetcher keeps a :class:`CacheEntry` per URL, keyed by the URL exactly as given
    to :meth:`Fetcher.get` (before redirects). Must be thread-safe; ``load`` returns ``None``
    for a URL never saved."""

    def load(self, url: str) -> CacheEntry | None: ...

    def save(self, url: str, entry: CacheEntry) -> None: ...


class MemoryHttpCache:
    """An :class:`HttpCache` in a dict: for tests and for one-off runs without a database."""

    def __init__(self) -> None:
        self._entries: dict[str, CacheEntry] = {}
        self._lock = threading.Lock()

    def load(self, url: str) -> CacheEntry | None:
        with self._lock:
            return self._entries.get(url)

    def save(self, url: str, entry: CacheEntry) -> None:
        with self._lock:
            self._entries[url] = entry


class StagedHttpCache:
    """An :class:`HttpCache` in front of another that holds each source's new entries back
    until :meth:`take` hands them over, so they can be stored in the same transaction as the
    items they describe: a run cut short never leaves an ETag whose items were not stored.

    The fetcher calls :meth:`stage` (with the source's name) instead of ``save``; ``load``
    sees staged entries first. Thread-safe."""

    def __init__(self, inner: HttpCache) -> None:
        self._inner = inner
        self._staged: dict[str, dict[str, CacheEntry]] = {}
        #: entries read ahead by :meth:`expect`, each handed out once by ``load``
        self._expected: dict[str, CacheEntry | None] = {}
        self._lock = threading.Lock()

    def load(self, url: str) -> CacheEntry | None:
        with self._lock:
            for entries in self._staged.values():
                if url in entries:
                    return entries[url]
            if url in self._expected:
                return self._expected.pop(url)
        return self._inner.load(url)

    def expect(self, urls: Sequence[str]) -> None:
        """``urls`` are about to be loaded: read their entries now, at once, when the inner
        cache can (``load_many``: one database query instead of one per URL); each is handed
        out by the next ``load`` of its URL, later ones read it again."""
        load_many = getattr(self._inner, "load_many", None)
        if load_many is None or len(urls) < 2:
            return
        entries = load_many(urls)
        with self._lock:
            self._expected.update(entries)

    def save(self, url: str, entry: CacheEntry) -> None:
        self._inner.save(url, entry)

    def stage(self, source: str, url: str, entry: CacheEntry) -> None:
        with self._lock:
            self._staged.setdefault(source, {})[url] = entry

    def take(self, source: str) -> dict[str, CacheEntry]:
        """The entries staged for ``source`` since the last call, no longer staged."""
        with self._lock:
            return self._staged.pop(source, {})


def next_entry(
    old: CacheEntry | None, status: int, headers: dict[str, str], policy: FetchPolicy
) -> CacheEntry:
    """What to remember about a URL after an answer with ``status`` and ``headers``."""
    now = datetime.now(UTC)
    if status == 304 or 200 <= status < 300:
        keep = status == 304 and old is not None  # a 304 may omit the validators
        return CacheEntry(
            etag=headers.get("etag") or (old.etag if keep and old else None),
            last_modified=headers.get("last-modified") or (old.last_modified if keep and old else None),
            expires=_fresh_until(headers, now, policy.max_cache_lifetime),
            last_status=status,
        )
    return CacheEntry(
        etag=old.etag if old else None,
        last_modified=old.last_modified if old else None,
        retry_after=retry_after(headers, now, policy) if status in (429, 503) else None,
        last_status=status,
    )


def _fresh_until(headers: dict[str, str], now: datetime, cap: float) -> datetime | None:
    directives: dict[str, str] = {}
    for part in headers.get("cache-control", "").lower().split(","):
        name, _, value = part.strip().partition("=")
        directives[name] = value.strip().strip('"')
    if "no-store" in directives or "no-cache" in directives:
        return None
    lifetime: float | None = None
    if directives.get("max-age", "").isdigit():
        age = headers.get("age", "0")
        lifetime = int(directives["max-age"]) - (int(age) if age.isdigit() else 0)
    elif (expires := _http_date(headers.get("expires"))) is not None:
        served = _http_date(headers.get("date")) or now  # relative to the server's clock
        lifetime = (expires - served).total_seconds()
    if lifetime is None or lifetime <= 0:
        return None
    return now + timedelta(seconds=min(lifetime, cap))


def retry_after(headers: dict[str, str], now: datetime, policy: FetchPolicy) -> datetime | None:
    """Until when the server asked not to be asked (Retry-After in seconds or as a date), at
    most ``policy.max_retry_wait`` from ``now``; ``None`` without a usable header."""
    value = headers.get("retry-after", "").strip()
    latest = now + timedelta(seconds=policy.max_retry_wait)
    if value.isascii() and value.isdigit():  # compared as a number: no float or date overflow
        return latest if int(value) >= policy.max_retry_wait else now + timedelta(seconds=int(value))
    when = _http_date(value)
    return min(when, latest) if when is not None and when > now else None


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
