"""Source health: what a source's row becomes after an attempt, and whether it is due.

Failures back off exponentially (``fetch.next_attempt_after``), a Retry-After the server sent
is honoured, a source is paused after ``max_failures`` failures in a row, and at once on
HTTP 410 Gone.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kzfeed.models import CacheEntry, SourceState

if TYPE_CHECKING:  # the HTTP client (httpx) is imported only by runs that fetch
    from kzfeed.http import FetchPolicy

__all__ = ["after_failure", "after_success", "due_in", "is_due", "source_urls"]

#: a source is due again after its interval less up to this part of it, at random: sources
#: fetched together drift apart, and a cron job with the same period always finds them due
JITTER = 0.1


def source_urls(options: Mapping[str, Any], state: SourceState | None) -> list[str]:
    """The web addresses a source is configured with (every http(s) string among its options,
    also in arrays) and the one a permanent redirect moved it to: where a server's Retry-After
    is remembered."""
    found: list[str] = [state.url] if state is not None and state.url else []
    values: list[Any] = list(options.values())
    while values:
        value = values.pop(0)
        if isinstance(value, list | tuple):
            values.extend(value)
        elif isinstance(value, str) and value.strip().lower().startswith(("http://", "https://")):
            found.append(value.strip())
    return list(dict.fromkeys(found))


def due_in(
    every: float,
    state: SourceState,
    *,
    now: datetime,
    validators: Mapping[str, CacheEntry],
    urls: list[str],
    rng: random.Random | None = None,
) -> float:
    """Seconds until a source that was just fetched is due again: its interval ``every`` (less a
    random tenth at most), or later when a back-off or a Retry-After (``state.next_due``, on the
    clock of ``now``) or the freshness its server gave its feed (Cache-Control max-age or
    Expires, on every configured URL it fetched) says so. Relative, so that the database's
    clock, not this host's, places it."""
    wait = every * (1.0 - JITTER * (rng or random).random())
    if state.next_due is not None:
        wait = max(wait, (state.next_due - now).total_seconds())
    entries = [validators[u] for u in urls if u in validators]
    host_now = datetime.now(UTC)  # the clock the fetcher stamped its entries with
    fresh = [e.expires for e in entries]
    if entries and all(f is not None for f in fresh):
        wait = max(wait, min((f - host_now).total_seconds() for f in fresh if f is not None))
    waits = [(e.retry_after - host_now).total_seconds() for e in entries if e.retry_after is not None]
    return max([wait, *waits])


def is_due(state: SourceState, now: datetime) -> bool:
    """Whether a source may be fetched now (it is not waiting out a back-off or Retry-After)."""
    return state.next_due is None or state.next_due <= now


def after_failure(
    state: SourceState,
    *,
    now: datetime,
    error: str,
    policy: FetchPolicy,
    max_failures: int,
    status: int | None = None,
    retry_after: datetime | None = None,
) -> SourceState:
    """The state after a failed attempt: one more failure, the next attempt backed off (or
    at the server's Retry-After, whichever is later), paused at ``max_failures`` or on 410."""
    from kzfeed.http import next_attempt_after

    failures = state.consecutive_failures + 1
    next_due = now + next_attempt_after(failures, policy)
    if retry_after is not None and retry_after > next_due:
        next_due = retry_after
    return replace(
        state,
        last_attempt=now,
        last_error=error,
        last_status=status,
        consecutive_failures=failures,
        paused=state.paused or failures >= max_failures or status == 410,
        next_due=next_due,
    )


def after_success(
    state: SourceState, *, now: datetime, items: int, status: int | None, url: str | None
) -> SourceState:
    """The state after a successful attempt (a 304 is one): failures cleared, due again."""
    return replace(
        state,
        url=url or state.url,
        last_attempt=now,
        last_ok=now,
        last_error=None,
        last_status=status,
        items_last_run=items,
        consecutive_failures=0,
        next_due=None,
    )
