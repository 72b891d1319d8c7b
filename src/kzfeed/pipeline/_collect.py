"""Collecting what the sources yield: one source's fetch on a worker thread, its error kept.

Nothing here writes to the database: what a source produced is handed to the main thread as a
:class:`Collected`, which ``kzfeed.pipeline._commit`` stores.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kzfeed import clock
from kzfeed.config import SourceConfig
from kzfeed.errors import FetchError, KzfeedError, SourceCrashed, SourceError, SourceNotRun
from kzfeed.models import RawItem, RunErrorKind, SourceRun, SourceState, SourceStatus
from kzfeed.pipeline._health import is_due
from kzfeed.sources import Source, SourceContext, SourceReport, current_url
from kzfeed.storage import StoreProtocol

if TYPE_CHECKING:  # the fetcher imports httpx: a run that fetches nothing does not need it
    from kzfeed.articles import ArticleExtractor
    from kzfeed.http import CacheEntry, Fetcher, StagedHttpCache

__all__ = ["Collected", "Collector", "not_now", "paused_runs", "skipped_run"]

log = logging.getLogger(__name__)

#: the parent of every source's logger (``kzfeed.source.NAME``)
_SOURCES_LOG = logging.getLogger("kzfeed.source")

#: sources whose stored states are read (and held) at once when a run looks for paused ones
STATES_AT_ONCE = 100


class _SourceLogger(logging.Logger):
    """A source's logger for one fetch, outside ``logging``'s registry (which keeps every logger
    it made for the life of the process: ~0.45 KiB a source, 1,000 sources a run). Its records
    are the same (``kzfeed.source.NAME``) and reach the same handlers; it asks its parents for
    its level on every call, as no ``setLevel`` elsewhere would clear a cache of its own."""

    def isEnabledFor(self, level: int) -> bool:
        return not self.disabled and self.manager.disable < level and level >= self.getEffectiveLevel()


def source_logger(name: str) -> logging.Logger:
    """The logger of source ``name``: ``kzfeed.source.NAME``, the one of ``logging``'s registry
    if it has it (configured by the operator or a plugin), else one for this fetch only."""
    full = f"kzfeed.source.{name}"
    known = logging.Logger.manager.loggerDict.get(full)
    if isinstance(known, logging.Logger):
        return known
    logger = _SourceLogger(full)
    logger.parent = _SOURCES_LOG
    return logger


class _KnownHashes(Mapping[str, str]):
    """``{guid: content hash}`` of a source's stored items, read when a source first asks:
    a feed that answered 304 has no entries to look up, and costs no query."""

    def __init__(self, store: StoreProtocol, source: str) -> None:
        self._store, self._source = store, source
        self._hashes: dict[str, str] | None = None

    def _get(self) -> dict[str, str]:
        if self._hashes is None:
            self._hashes = self._store.known_hashes(self._source)
        return self._hashes

    def __getitem__(self, guid: str) -> str:
        return self._get()[guid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


@dataclass(slots=True, kw_only=True)
class Collected:
    """What one source's fetch produced, handed from its worker thread to the main thread.

    ``report`` is the pipeline's own record of what the source told it besides its items
    (warnings, cursor, main page): the source fills it through its context's methods, and
    the pipeline reads it here, never from the context it gave the source."""

    sc: SourceConfig
    state: SourceState
    report: SourceReport
    log: logging.Logger
    raws: list[RawItem]
    #: why it failed: the exception itself (a plugin's other exceptions are ``SourceCrashed``)
    error: KzfeedError | None = None
    error_at: datetime | None = None
    status: int | None = None
    retry_after: datetime | None = None
    duration: float = 0.0
    #: why the source was not fetched at all (a stop signal)
    skipped: str | None = None
    #: the fetcher's new validators for the URLs it fetched: stored with the items
    validators: dict[str, CacheEntry] = field(default_factory=dict)

    def warn(self, message: str) -> None:
        """A warning of the pipeline's about this source's input, kept with the source's own."""
        self.report.warnings.append(message)
        self.log.warning("source %r: %s", self.sc.name, message)


@dataclass(slots=True, kw_only=True)
class Collector:
    """What every source's fetch of one run shares; :meth:`collect` runs on worker threads."""

    store: StoreProtocol
    fetcher: Fetcher
    staged: StagedHttpCache
    extractor: ArticleExtractor
    root: Path
    refetch: bool
    stop: threading.Event | None = None
    #: called with a source's name as its fetch starts (on its worker thread)
    on_start: Callable[[str], None] | None = None
    #: the main URLs of the sources submitted whose validators are not read yet (see ``submit``)
    _unread: list[str] = field(default_factory=list, init=False, repr=False)
    _unread_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def submit(
        self,
        threads: Executor,
        sc: SourceConfig,
        source: Source,
        state: SourceState,
        arrived: Callable[[RawItem], None] | None = None,
    ) -> Future[Collected]:
        """:meth:`collect` on one of ``threads``. The validators of the main URLs (a source's
        ``url``, as the ``rss`` and ``html`` types have it) of every source submitted before a
        fetch starts are read by that fetch at once, in one query, not one a source."""
        url = getattr(source, "url", None)
        if isinstance(url, str):
            with self._unread_lock:
                self._unread.append(current_url(state, url))
        return threads.submit(self.collect, sc, source, state, arrived)

    def _read_validators(self) -> None:
        # under the lock: a fetch that starts meanwhile waits for the entries of its URL
        with self._unread_lock:
            urls, self._unread = self._unread, []
            if urls:
                self.fetcher.expect(urls)

    def collect(
        self,
        sc: SourceConfig,
        source: Source,
        state: SourceState,
        arrived: Callable[[RawItem], None] | None = None,
    ) -> Collected:
        """Run one source's fetch (in a worker thread): what it yielded, or its error.
        ``arrived`` is given each item as the source yields it (to prepare it on the main
        thread while the other pages are still fetched and extracted)."""
        start = time.perf_counter()
        skipped = None  # no new source after a stop signal (it was claimed: it is given back)
        if self.stop is not None and self.stop.is_set():
            skipped = "stopped by a signal before it started"
        report, source_log = SourceReport(), source_logger(sc.name)
        ctx = SourceContext(
            source=sc.name,
            state=state,
            log=source_log,
            http=self.fetcher,
            root=self.root,
            refetch=self.refetch,
            known=_KnownHashes(self.store, sc.name),
            extractor=self.extractor,
            report=report,
        )
        got = Collected(sc=sc, state=state, report=report, log=source_log, raws=[], skipped=skipped)
        if skipped is not None:
            return got
        if self.on_start is not None:
            self.on_start(sc.name)
        try:
            self._read_validators()
            for raw in _raw_items(source.fetch(ctx), sc):
                got.raws.append(raw)
                if arrived is not None:
                    arrived(raw)
        except FetchError as exc:
            got.error, got.error_at = exc, clock.now()
            got.status, got.retry_after = exc.status, exc.retry_after
        except KzfeedError as exc:
            got.error, got.error_at = exc, clock.now()
        except (Exception, SystemExit) as exc:  # a plugin bug (even sys.exit) must not stop the others
            got.error, got.error_at = SourceCrashed(sc.name, sc.type, exc), clock.now()
            log.debug("source %r crashed", sc.name, exc_info=True)
        got.duration = time.perf_counter() - start
        got.validators = self.staged.take(sc.name)
        if self.fetcher.stopped(sc.name):  # cut short by a stop signal: neither items nor validators kept
            got.raws.clear()
            got.skipped = "stopped by a signal while it was being fetched"
        return got


def skipped_run(name: str, why: str) -> SourceRun:
    """The outcome of a source a stop signal or another worker kept from being fetched."""
    error = SourceNotRun(name, why, kind=RunErrorKind.SKIPPED)
    return SourceRun(source=name, status=SourceStatus.SKIPPED, error=error, error_at=clock.now())


def _raw_items(yielded: Iterable[object], sc: SourceConfig) -> Iterator[RawItem]:
    """What a source yields, checked: anything but a ``RawItem`` is the source's error (a
    plugin bug), raised as a ``SourceError`` so the run goes on with the other sources."""
    for n, raw in enumerate(yielded, start=1):
        if not isinstance(raw, RawItem):
            raise SourceError(
                sc.name,
                f"yielded {type(raw).__name__} {_short(raw)} as its "
                f"item number {n}, not a RawItem; fix the plugin that provides type {sc.type!r}",
            )
        if not raw.guid:
            raise SourceError(
                sc.name,
                f"yielded item number {n} ({_short(raw.title)}) without a guid; give each article "
                f"its stable guid (article.with_guid(...)) in the plugin that provides type {sc.type!r}",
            )
        yield raw


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def paused_runs(store: StoreProtocol, names: list[str], now: Callable[[], datetime]) -> Iterator[SourceRun]:
    """The outcomes of the paused sources among ``names``, in their order. Their stored states
    are read ``STATES_AT_ONCE`` at a time and not kept: a run of 1,000 sources held all of them
    for the whole run (~0.9 KiB each)."""
    for at in range(0, len(names), STATES_AT_ONCE):
        chunk = names[at : at + STATES_AT_ONCE]
        states = {s.name: s for s in store.source_states(chunk)}
        for name in chunk:
            state = states.get(name)
            if state is not None and (paused := not_now(name, state, forced=True, now=now())):
                yield paused


def not_now(name: str, state: SourceState, *, forced: bool, now: datetime) -> SourceRun | None:
    """The outcome of a source that is not fetched this run (paused, or not due), else None."""
    if state.paused:
        message = (
            f"paused after {state.consecutive_failures} failures ({state.last_error}); "
            f"run 'kzfeed sources reset {name}' to try again"
        )
        error = SourceNotRun(name, message, kind=RunErrorKind.PAUSED, url=state.url)
        return SourceRun(source=name, status=SourceStatus.PAUSED, error=error, error_at=now)
    if not forced and state.next_due is not None and not is_due(state, now):
        message = (
            f"not due before {state.next_due.isoformat(timespec='seconds')} "
            f"(backing off after {state.consecutive_failures} failure(s)); "
            f"'kzfeed run --source {name}' fetches it now"
        )
        error = SourceNotRun(name, message, kind=RunErrorKind.NOT_DUE, url=state.url)
        return SourceRun(source=name, status=SourceStatus.SKIPPED, error=error, error_at=now)
    return None
