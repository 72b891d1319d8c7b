"""Committing what one source yielded: normalise, classify, ``process_item``, stories, then one
transaction with the source's health row and HTTP validators; and the source's line of the run.

Runs on the main thread: each item is prepared (normalised, classified, ``process_item``, its
story signals) as it arrives, while the source's other pages are still fetched and extracted;
the source is stored, in one transaction, once its fetch has finished.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from kzfeed import clock
from kzfeed.config import Config, SourceConfig
from kzfeed.errors import ConfigError, KzfeedError, PluginError
from kzfeed.http import CacheEntry, FetchPolicy
from kzfeed.models import Item, RawItem, SourceRun, SourceState, SourceStatus
from kzfeed.pipeline._build import config_hash
from kzfeed.pipeline._collect import Collected
from kzfeed.pipeline._health import after_failure, after_success, due_in, source_urls
from kzfeed.pipeline._normalise import normalise
from kzfeed.pipeline._stories import RunStoryKeys, remember_reports, signals_rows, story_index
from kzfeed.plugins import PluginHost
from kzfeed.sources import Classifier, ItemContext
from kzfeed.storage import HttpCacheStore, SaveCounts, StoreProtocol
from kzfeed.stories import Signals, assign_stories, fingerprint, signals

__all__ = ["Committer", "Health"]

log = logging.getLogger(__name__)

#: the health row of a source that stored no items, left for the caller to write with others'
Health = tuple[SourceState, str]

#: SQLite: the sources' transactions are committed together once this many are held, or the
#: first held is this old (``StoreProtocol.hold_writes``): a commit rewrites the rows of every
#: story its sources touched and writes their search entries, so fewer commits of a busy run
#: (sources of ten entries, prepared a few per second) cost less
_HOLD_SOURCES = 64
_HOLD_SECONDS = 1.5


@dataclass(slots=True)
class _Prepared:
    """One source's items prepared so far, in the order the source yielded them."""

    #: how many of the source's raw items were looked at
    seen: int = 0
    batch: dict[str, Item] = field(default_factory=dict)
    #: items that failed to prepare (each a warning)
    failed: int = 0
    guids: set[str] = field(default_factory=set)
    #: guids of entries left out because an earlier entry had the same guid
    repeated: list[str] = field(default_factory=list)
    plugin_errors: list[PluginError] = field(default_factory=list)
    #: said once the source is stored, after the source's own warnings
    warnings: list[str] = field(default_factory=list)
    #: the story signals and fingerprints of the items of ``batch``, by (id, content hash)
    signals: dict[tuple[str, str], Signals] = field(default_factory=dict)
    prints: dict[tuple[str, str], int | None] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Committer:
    """What storing each source of one run shares."""

    config: Config
    host: PluginHost
    store: StoreProtocol
    http_cache: HttpCacheStore
    classifier: Classifier
    policy: FetchPolicy
    #: the story signals of stored reports, worked out once a run however many sources need them
    report_signals: dict[tuple[str, str], Signals]
    #: the time a source is stored at (its items' first-seen date)
    now: Callable[[], datetime] = clock.now
    #: seconds until each source committed is due again (``kzfeed.pipeline._due`` writes them)
    due: dict[str, float] = field(default_factory=dict)
    #: the stored story keys this run's sources read
    story_keys: RunStoryKeys = field(init=False)
    #: where only this run writes (SQLite, under the run lock): the run whose record each
    #: source's transaction writes, with the due time of the sources in ``claimed``; None: the
    #: caller writes them (PostgreSQL, where claims are shared with other workers)
    run_id: int | None = None
    claimed: Collection[str] = ()
    #: the sources whose run record (and due time, when claimed) were written with them
    recorded: set[str] = field(default_factory=set)

    #: the items of the sources still being fetched, prepared as they arrived
    _prepared: dict[str, _Prepared] = field(default_factory=dict, init=False)
    #: SQLite: whether the store holds this run's writes, how many sources since the last
    #: commit, and since when (None: not asked yet)
    _holding: bool | None = field(default=None, init=False)
    _held: int = field(default=0, init=False)
    _held_since: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.story_keys = RunStoryKeys(self.store)

    def arrived(self, sc: SourceConfig, raw: RawItem) -> None:
        """Prepare one item of a source whose fetch goes on (:meth:`commit` stores it)."""
        prepared = self._prepared.get(sc.name)
        if prepared is None:
            prepared = self._prepared[sc.name] = _Prepared()
        self._add(prepared, sc, raw)

    def release(self) -> None:
        """Commit the sources held (SQLite) and stop holding; the run's other writes follow."""
        if self._holding:
            self._holding = None
            self.store.release_writes()

    def tick(self, *, waiting: bool) -> None:
        """Between two events of the run: commit the sources held (SQLite) when it is about to
        wait for a fetch (``waiting``), or the first of them is ``_HOLD_SECONDS`` old, rather
        than keep them uncommitted (and other writers out) while items are prepared."""
        if self._holding and self._held and (waiting or time.monotonic() - self._held_since >= _HOLD_SECONDS):
            self._commit_held()

    def _hold(self) -> None:
        """Before a source is saved (under the run lock: ``run_id``): hold the run's writes in
        one transaction, committing what is held once it is ``_HOLD_SOURCES`` sources; what
        was written after the last source saved (its run line, the feeds marked dirty, the
        quiet sources) is committed with it."""
        if self.run_id is None:
            return
        if self._holding is None:
            self._holding = self.store.hold_writes()
        if not self._holding:
            return
        if self._held >= _HOLD_SOURCES:
            self._commit_held()
        if not self._held:
            self._held_since = time.monotonic()
        self._held += 1

    def _commit_held(self) -> None:
        self.store.commit_held()
        self._held = 0

    def forget(self, name: str) -> None:
        """Drop what was prepared of a source that is not stored (stopped by a signal)."""
        self._prepared.pop(name, None)

    def commit(self, got: Collected) -> tuple[SourceRun, Health | None]:
        """Classify what one source yielded and store it with its health, in one transaction.

        A source that yielded no items is not written here: its health row is returned, for
        the caller to write with others' (a run where every feed answered 304 is mostly that).
        """
        prepared = self._prepared.pop(got.sc.name, None) or _Prepared()
        if got.error is not None:
            return self._failed(got, got.error), None
        sc, state, report = got.sc, got.state, got.report
        now = self.now()
        for raw in got.raws[prepared.seen :]:  # those that did not arrive one by one
            self._add(prepared, sc, raw)
        for message in prepared.warnings:
            got.warn(message)
        batch, repeated = prepared.batch, prepared.repeated
        new_state = after_success(
            replace(state, type=sc.type, cursor={**state.cursor, **report.cursor}),
            now=now,
            items=len(batch),
            status=report.http_status,
            url=report.url,
        )
        self._schedule(got, new_state, now)
        line = _Line(got, batch, repeated, prepared.failed, prepared.plugin_errors)
        if not batch:
            for url, entry in got.validators.items():  # no items that a 304 could hide
                self.http_cache.save(url, entry)
            return line(SaveCounts()), (new_state, config_hash(sc))
        index = story_index(self.story_keys, list(batch.values()), now, self.report_signals)
        stories = assign_stories(list(batch.values()), index, prepared.signals, prepared.prints)
        self._hold()
        counts = self.store.save_source(
            state=new_state,
            config_hash=config_hash(sc),
            batch=stories,
            merges=index.merges(),
            ok=True,
            now=now,
            validators=self._changed(got),
            signals=signals_rows(index, stories),
            **self._bookkeeping(sc.name, line),
        )
        fresh = [item for item in stories if item.id in counts.new_ids]
        self.story_keys.stored(list(batch), index.merges(), new=fresh, now=now)
        remember_reports(self.report_signals, index, stories, counts.new_ids)
        return line.made or line(counts), None

    def _bookkeeping(self, name: str, line: Callable[[SaveCounts], SourceRun]) -> dict[str, Any]:
        """What ``save_source`` writes of the run's bookkeeping of source ``name`` in its
        transaction (SQLite): its run record (``line`` makes it) and, when claimed, its due time."""
        if self.run_id is None:
            return {}
        self.recorded.add(name)
        due = self.due[name] if name in self.claimed else None
        return {"record": (self.run_id, line), "due_in": due}

    def _failed(self, got: Collected, error: KzfeedError) -> SourceRun:
        """Store a failed source's health (back-off, pause) and validators; its line of the run."""
        sc, state, report = got.sc, got.state, got.report
        log.debug("%s", error)  # the command reports it, once
        now = self.now()
        new_state = after_failure(
            replace(state, type=sc.type),
            now=now,
            error=str(error),
            policy=self.policy,
            max_failures=self.config.fetch.max_failures,
            status=got.status or report.http_status,
            retry_after=got.retry_after,
        )
        self._schedule(got, new_state, now)
        self._hold()
        failures = new_state.consecutive_failures
        paused = f"; paused after {failures} failures" if new_state.paused and not state.paused else ""
        outcome = SourceRun(
            source=sc.name,
            status=SourceStatus.FAILED,
            warnings=tuple(report.warnings),
            error=error,
            error_note=paused,
            error_at=got.error_at,
            http_status=new_state.last_status,
            duration_s=got.duration,
        )
        self.store.save_source(
            state=new_state,
            config_hash=config_hash(sc),
            batch=[],
            ok=False,
            validators=self._changed(got),
            **self._bookkeeping(sc.name, lambda _counts: outcome),
        )
        return outcome

    def _schedule(self, got: Collected, new_state: SourceState, now: datetime) -> None:
        """When the source is due again: its ``every`` (else ``[ops] every``), or later."""
        every = got.sc.every if got.sc.every is not None else self.config.ops.every
        urls = source_urls(got.sc.options, new_state)
        self.due[got.sc.name] = due_in(every, new_state, now=now, validators=got.validators, urls=urls)

    def _changed(self, got: Collected) -> dict[str, CacheEntry]:
        changed = self.http_cache.changed(got.validators)
        self.http_cache.remember(changed)  # written by the caller's transaction
        return changed

    def _add(self, prepared: _Prepared, sc: SourceConfig, raw: RawItem) -> None:
        """Prepare the next item a source yielded, unless an earlier one had its guid (the first
        is kept). An item that fails is a warning; a ``ConfigError`` (a bad ``[classifier]``
        option, found when the classifier is first built) is raised."""
        prepared.seen += 1
        if raw.guid in prepared.guids:  # one guid, two entries (other links): the first is kept
            prepared.repeated.append(raw.guid)
            return
        try:
            item = self._prepare(raw, sc.name, sc.type, prepared.plugin_errors)
        except ConfigError:
            raise
        except Exception as exc:
            prepared.failed += 1
            prepared.warnings.append(f"item {raw.guid!r} skipped: {type(exc).__name__}: {exc}")
            return
        prepared.guids.add(raw.guid)
        if item is not None and item.id not in prepared.batch:
            prepared.batch[item.id] = item
            key = (item.id, item.content_hash)
            prepared.signals[key], prepared.prints[key] = signals(item), fingerprint(item.content_text)

    def _prepare(
        self, raw: RawItem, source: str, source_type: str, plugin_errors: list[PluginError]
    ) -> Item | None:
        from kzfeed.lang import detect_language

        # the language is settled as the item is made (not by a copy of it with the language)
        item = normalise(raw, source=source, source_type=source_type, detect=detect_language)
        classification = self.classifier.classify(item)
        if not item.lang and classification.lang:
            item = item.with_article(lang=classification.lang)
        item = replace(item, classification=classification)
        processed, errors = self.host.process_item(item, self._item_context(source))
        for message in errors:
            log.debug("%s", message)  # the command reports it, once
        plugin_errors.extend(errors)
        return processed

    def _item_context(self, source: str) -> Callable[[str], ItemContext]:
        def make(plugin: str) -> ItemContext:
            return ItemContext(
                source=source,
                options=self.config.plugin_options(plugin),
                log=logging.getLogger(f"kzfeed.plugin.{plugin}"),
            )

        return make


@dataclass(slots=True)
class _Line:
    """The run's line of a source that yielded ``batch``, made once from what was stored (in
    the source's transaction when that writes the run's record, else after it)."""

    got: Collected
    batch: dict[str, Item]
    repeated: list[str]
    failed: int
    plugin_errors: list[PluginError]
    made: SourceRun | None = None

    def __call__(self, counts: SaveCounts) -> SourceRun:
        if self.made is None:
            repeated = [*self.repeated, *counts.guid_taken]
            if repeated:
                entries = "1 entry repeats" if len(repeated) == 1 else f"{len(repeated)} entries repeat"
                self.got.warn(
                    f"{entries} the id (guid) of an earlier or stored one with another link, e.g. "
                    f"{repeated[0]!r}; the first was kept — tell the site if it lasts"
                )
            fresh = [item for item in self.batch.values() if item.id in counts.new_ids]
            self.made = _stored(self.got, fresh, counts, failed=self.failed, plugin_errors=self.plugin_errors)
        return self.made


def _stored(
    got: Collected, fresh: list[Item], counts: SaveCounts, *, failed: int, plugin_errors: list[PluginError]
) -> SourceRun:
    """The run's line of a source whose items were stored: what is new, what reached the feeds."""
    report = got.report
    return SourceRun(
        source=got.sc.name,
        status=SourceStatus.NOT_MODIFIED if report.not_modified else SourceStatus.OK,
        new=counts.new,
        in_feeds=sum(1 for item in fresh if item.relevant),
        left_out=tuple(
            (item.title, item.classification.reason if item.classification else "")
            for item in fresh
            if not item.relevant
        ),
        plugin_errors=tuple(plugin_errors),
        updated=counts.updated,
        unchanged=counts.unchanged,
        failed=failed,
        warnings=tuple(report.warnings),
        http_status=report.http_status,
        duration_s=got.duration,
    )
