"""What a run did, source by source, and what kzfeed remembers about a source and a URL
between runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kzfeed.errors import FetchError, KzfeedError, PluginError, SourceCrashed, SourceNotRun

__all__ = ["CacheEntry", "RunError", "RunErrorKind", "RunReport", "SourceRun", "SourceState", "SourceStatus"]


class SourceStatus(StrEnum):
    OK = "ok"
    NOT_MODIFIED = "not_modified"
    FAILED = "failed"
    PAUSED = "paused"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceState:
    """What kzfeed remembers about a source between runs (health and HTTP validators)."""

    name: str
    type: str = ""
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: datetime | None = None
    last_ok: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    items_last_run: int = 0
    consecutive_failures: int = 0
    next_due: datetime | None = None  # not before: a back-off or Retry-After (this host's clock)
    paused: bool = False
    cursor: dict[str, Any] = field(default_factory=dict)
    #: when it is next due, by the database's clock (None: now); read from storage only, moved
    #: on by the claims of ``kzfeed.storage.SourceLeases``
    due_at: datetime | None = None


class RunErrorKind(StrEnum):
    """What kind of trouble kept a source from being stored in a run (told by the exception's
    class: ``RunError.of``)."""

    FETCH = "fetch"  # the network or the server (a FetchError)
    SOURCE = "source"  # what the source read was unusable, or its options (a KzfeedError)
    CRASH = "crash"  # the plugin raised something else: its bug
    PAUSED = "paused"  # paused after too many failures: not fetched
    NOT_DUE = "not_due"  # backing off after a failure: not fetched yet
    SKIPPED = "skipped"  # a stop signal, or another worker had it


@dataclass(frozen=True, slots=True, kw_only=True)
class RunError:
    """Why a run did not store a source, as it is stored and read back (run history, ``status
    --json``, the operator feed): which ``source``, what ``kind`` of trouble, the one-line
    ``message`` that says what to do, the ``url`` concerned (if one is) and when it happened
    (``at``). ``str()`` of it is the message. A run itself carries the exception
    (``SourceRun.error``); :meth:`of` makes this record of it."""

    source: str
    kind: RunErrorKind
    message: str
    url: str | None = None
    at: datetime | None = None

    def __str__(self) -> str:
        return self.message

    @classmethod
    def of(cls, run: SourceRun) -> RunError | None:
        """The record of ``run``'s error (``None`` without one)."""
        error = run.error
        if error is None:
            return None
        if isinstance(error, SourceNotRun):
            kind = RunErrorKind(error.kind)
        elif isinstance(error, FetchError):
            kind = RunErrorKind.FETCH
        elif isinstance(error, SourceCrashed):
            kind = RunErrorKind.CRASH
        else:
            kind = RunErrorKind.SOURCE
        url = getattr(error, "url", None)
        return cls(source=run.source, kind=kind, message=run.error_message or "", url=url, at=run.error_at)


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRun:
    """What one run did for one source."""

    source: str
    status: SourceStatus
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    warnings: tuple[str, ...] = ()
    #: why the source was not stored: the exception itself (its ``__cause__`` the library's),
    #: kept until the command prints it (``error_message``) or stores it (``RunError.of``)
    error: KzfeedError | None = None
    #: said after the error's message, e.g. "; paused after 5 failures"
    error_note: str = ""
    #: when the error happened
    error_at: datetime | None = None
    http_status: int | None = None
    duration_s: float = 0.0
    #: of the new items, how many went into the feeds
    in_feeds: int = 0
    #: the new items left out of the feeds: (title, the classifier's reason)
    left_out: tuple[tuple[str, str], ...] = ()
    #: errors raised by process_item hooks (the item went on without that plugin)
    plugin_errors: tuple[PluginError, ...] = ()

    @property
    def error_message(self) -> str | None:
        """The error as one line that says what to do (``None`` without one)."""
        return None if self.error is None else f"{self.error}{self.error_note}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunReport:
    """What one ``kzfeed run`` did, source by source."""

    started: datetime
    finished: datetime
    sources: tuple[SourceRun, ...] = ()
    written: tuple[str, ...] = ()
    run_id: int | None = None

    @property
    def failed_sources(self) -> tuple[str, ...]:
        return tuple(s.source for s in self.sources if s.status is SourceStatus.FAILED)

    @property
    def ok(self) -> bool:
        return not self.failed_sources

    def total(self, what: str) -> int:
        """Sum one counter (``new``, ``updated``, ``unchanged``, ``failed``) over the sources."""
        return sum(int(getattr(s, what)) for s in self.sources)


@dataclass(frozen=True, slots=True, kw_only=True)
class CacheEntry:
    """What the fetcher remembers about one URL between requests (and, stored, between runs)."""

    etag: str | None = None
    last_modified: str | None = None
    #: until then the last answer is fresh: no request is sent (Cache-Control max-age / Expires)
    expires: datetime | None = None
    #: until then the server asked not to be asked (Retry-After on 429/503)
    retry_after: datetime | None = None
    last_status: int | None = None
