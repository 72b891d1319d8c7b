"""What a failed fetch tells the operator: one line naming the URL, what happened and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx

from kzfeed.errors import FetchError
from kzfeed.http._policy import FetchPolicy

__all__ = ["Transfer", "network_error", "status_message"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Transfer:
    """One request's answer after its redirects, before it becomes a ``FetchResult`` or a ``FetchError``."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    permanent_url: str | None
    elapsed: float


def network_error(
    source: str, url: str, exc: httpx.HTTPError, policy: FetchPolicy, *, late: bool = False
) -> FetchError:
    if late and isinstance(exc, httpx.TimeoutException):
        what = f"fetching {url} took longer than {policy.total_timeout:g} s (total timeout)"
    elif isinstance(exc, httpx.ConnectTimeout):
        what = f"could not connect to {url} within {policy.connect_timeout:g} s"
    elif isinstance(exc, httpx.ReadTimeout):
        what = f"{url} sent nothing for {policy.read_timeout:g} s (read timeout)"
    elif isinstance(exc, httpx.TimeoutException):
        what = f"fetching {url} took longer than {policy.total_timeout:g} s (total timeout)"
    elif isinstance(exc, httpx.ConnectError):
        what = f"could not connect to {url} ({exc})"
    else:
        what = f"network error while fetching {url} ({type(exc).__name__}: {exc})"
    return FetchError(source, f"{what}; the site may be down or slow, kzfeed retries on a later run", url=url)


def status_message(source: str, requested: str, got: Transfer, retry_at: datetime | None) -> str:
    status, url = got.status, got.url
    where = url if url == requested else f"{url} (redirected from {requested})"
    if status == 410:
        return (
            f"HTTP 410 Gone for {where}: the site removed it for good; the source will be paused — "
            f"fix its URL, then run `kzfeed sources reset {source}`"
        )
    if retry_at is not None:
        when = retry_at.isoformat(timespec="seconds")
        return f"HTTP {status} for {where}; the server asks kzfeed to wait, no request before {when}"
    if status == 429:
        return f"HTTP 429 (too many requests) for {where}; kzfeed will back off — raise min_delay if it lasts"
    if status in (401, 403):
        return f"HTTP {status} (access denied) for {where}; check the URL in a browser or disable the source"
    if 400 <= status < 500:
        return f"HTTP {status} for {where}; check the URL or disable the source"
    if status >= 500:
        return f"HTTP {status} for {where}: the server failed; kzfeed will retry later with back-off"
    return f"unexpected HTTP {status} for {where}; check the URL or disable the source"
