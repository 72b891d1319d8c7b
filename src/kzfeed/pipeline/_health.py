"""Source health: what a source's row becomes after an attempt, and whether it is due.

Failures back off exponentially (``fetch.next_attempt_after``), a Retry-After the server sent
is honoured, a source is paused after ``max_failures`` failures in a row, and at once on
HTTP 410 Gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kzfeed.models import SourceState

if TYPE_CHECKING:  # the HTTP client (httpx) is imported only by runs that fetch
    from kzfeed.http import FetchPolicy

__all__ = ["CONFIGURED_URL", "after_failure", "after_success", "current_url", "is_due", "source_urls"]

#: cursor key of web sources: the config's URL that the stored URL (after a permanent
#: redirect) replaces; when the config changes, the stored URL no longer counts
CONFIGURED_URL = "configured_url"


def current_url(state: SourceState, configured: str) -> str:
    """The URL to fetch a web source from: where a permanent redirect moved it, as long as the
    config still gives the URL it moved from; else the config's URL."""
    if state.url and state.cursor.get(CONFIGURED_URL) == configured:
        return state.url
    return configured


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
