"""What kzfeed asks of its database: the :class:`StoreProtocol` that :class:`~kzfeed.storage.Store`
implements on SQLAlchemy, and that a second backend would implement too.

Everything goes in and out as kzfeed models or the small frozen records of ``kzfeed.storage``;
no connection, row or SQL crosses this line.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, Self

from kzfeed.models import Classification, Item, RunReport, SourceRun, SourceState, StoryKey

if TYPE_CHECKING:
    from kzfeed.models import CacheEntry
    from kzfeed.storage._history import RunRecord
    from kzfeed.storage._items import SaveCounts
    from kzfeed.storage._leases import Round
    from kzfeed.storage._retention import PrunePlan
    from kzfeed.storage._search import SearchHit

__all__ = ["HttpCacheStore", "RunLock", "StoreProtocol"]


class HttpCacheStore(Protocol):
    """The fetcher's per-URL validators, stored (:meth:`StoreProtocol.http_cache`): the
    fetcher's ``HttpCache``. Must be thread-safe; ``load`` is None for a URL never saved."""

    def load(self, url: str) -> CacheEntry | None: ...
    def save(self, url: str, entry: CacheEntry) -> None: ...
    def changed(self, entries: Mapping[str, CacheEntry]) -> dict[str, CacheEntry]: ...
    def remember(self, entries: Mapping[str, CacheEntry]) -> None: ...


class RunLock(Protocol):
    """A held run lock (:meth:`StoreProtocol.lock_runs`); ``release()`` is safe to call twice."""

    #: who held it before us and died without releasing it, when known
    recovered_from: str | None

    def release(self) -> None: ...


class StoreProtocol(Protocol):
    """All reads and writes of kzfeed's database, by table group."""

    # --- the store itself ---------------------------------------------------------------------

    @property
    def backend(self) -> str:
        """The database kind: ``"sqlite"`` or ``"postgresql"``."""
        ...

    def close(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(self, *_exc: object) -> None: ...
    def schema_revision(self) -> str | None: ...
    def write_migration(self, message: str) -> None: ...

    # --- sources and their health (_sources) --------------------------------------------------

    def source_state(self, name: str) -> SourceState: ...
    def source_states(self) -> list[SourceState]: ...
    def known_hashes(self, source: str) -> dict[str, str]: ...
    def set_paused(self, name: str, paused: bool, reason: str | None = None) -> bool: ...
    def unhealthy_sources(self, *, failing_after: int = 1) -> list[SourceState]: ...

    # --- items (_items) -----------------------------------------------------------------------

    def save_source(
        self,
        *,
        state: SourceState,
        config_hash: str,
        batch: Sequence[Item],
        ok: bool,
        now: datetime | None = None,
        validators: Mapping[str, CacheEntry] | None = None,
        merges: Mapping[str, str] | None = None,
    ) -> SaveCounts: ...
    def items(
        self,
        *,
        relevant: bool | None = True,
        topic: str | None = None,
        limit: int | None = None,
        source: str | None = None,
        entity: str | Collection[str] | None = None,
    ) -> list[Item]: ...
    def iter_items(
        self,
        *,
        relevant: bool | None = True,
        topic: str | None = None,
        limit: int | None = None,
        source: str | None = None,
        entity: str | Collection[str] | None = None,
        batch: int = 500,
    ) -> Iterator[Item]: ...
    def topics(self) -> set[str]: ...
    def get_item(self, id_or_prefix: str) -> Item: ...
    def count_items(self) -> int: ...
    def item_batches(self, size: int = 200) -> Iterator[list[Item]]: ...
    def update_classifications(self, batch: Sequence[tuple[str, Classification]]) -> None: ...

    # --- what the renderer reads (_outlines) ----------------------------------------------------

    def item_outlines(self) -> list[tuple[Item, datetime]]: ...
    def items_by_id(self, ids: Collection[str]) -> dict[str, Item]: ...

    # --- runs (_history) ----------------------------------------------------------------------

    def start_run(self, started: datetime, worker: str = "") -> int: ...
    def record_source_run(self, run_id: int, outcome: SourceRun) -> None: ...
    def save_quiet_sources(
        self, run_id: int, done: Sequence[tuple[SourceState | None, str, SourceRun]]
    ) -> None: ...
    def finish_run(self, run_id: int, report: RunReport) -> None: ...
    def mark_run(self, run_id: int, status: str) -> None: ...
    def mark_stale_runs(self, *, worker_prefix: str | None = None) -> int: ...
    def last_runs(self, limit: int = 10) -> list[RunRecord]: ...

    # --- the fetcher's HTTP cache (_httpcache) ------------------------------------------------

    def http_cache(self) -> HttpCacheStore: ...
    def clear_http_waits(self, urls: Iterable[str]) -> int: ...

    # --- rounds, leases and the run lock (_leases, _locks) ------------------------------------

    @property
    def runs_exclusive(self) -> bool:
        """True when a held run lock keeps every other run off this database."""
        ...

    def lock_runs(self, worker: str, *, wait: float = 0.0) -> RunLock: ...
    def release_leases(self, *, owner_prefix: str | None = None) -> int: ...
    def open_round(
        self, *, scope: str, source_types: Sequence[tuple[str, str]], lease_seconds: int, owner: str
    ) -> Round: ...
    def claim_source(self, name: str, *, round_id: int, owner: str, lease_seconds: int) -> bool: ...
    def finish_sources(self, names: Sequence[str], *, round_id: int, owner: str) -> None: ...
    def close_round(self, names: Sequence[str], *, round_id: int, owner: str) -> bool: ...

    # --- search, stories, retention -----------------------------------------------------------

    def search_items(self, query: str, *, limit: int = 20, relevant_only: bool = True) -> list[SearchHit]: ...
    def story_keys(
        self,
        *,
        ids: Sequence[str] = (),
        hashes: Sequence[str] = (),
        urls: Sequence[str] = (),
        guids: Sequence[str] = (),
        spans: Sequence[tuple[datetime, datetime]] = (),
    ) -> list[StoryKey]: ...
    def story_reports(self, spans: Sequence[tuple[datetime, datetime]]) -> list[Item]: ...
    def save_stories(self, assigned: Iterable[Item]) -> int: ...
    def plan_prune(self, cutoff: datetime, *, keep: Collection[str]) -> PrunePlan: ...
    def apply_prune(self, plan: PrunePlan) -> None: ...
