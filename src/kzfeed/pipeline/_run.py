"""One run: sources → normalise → classify → process_item → stories → store → render.

This module is the only one that knows the order of the stages. A source that fails is
recorded on its health row and the run goes on with the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from kzfeed import clock
from kzfeed.articles import ArticleExtractor
from kzfeed.config import Config, FetchConfig, SourceConfig
from kzfeed.errors import ConfigError, FetchError, KzfeedError, PluginError, SourceError
from kzfeed.http import CacheEntry, Fetcher, FetchPolicy, StagedHttpCache, default_user_agent
from kzfeed.models import (
    Classification,
    Document,
    Item,
    RawItem,
    RunReport,
    SourceRun,
    SourceState,
    SourceStatus,
)
from kzfeed.pipeline._health import after_failure, after_success, is_due, source_urls
from kzfeed.pipeline._normalise import normalise
from kzfeed.pipeline._render import render
from kzfeed.plugins import PluginHost
from kzfeed.sources import Classifier, ItemContext, Source, SourceContext
from kzfeed.storage import HttpCacheStore, SaveCounts, SourceLeases, StoreProtocol
from kzfeed.stories import Signals, StoryIndex, assign_stories, report_windows, story_lookup

__all__ = ["Pipeline", "build_classifier", "build_sources", "fetch_policy"]

log = logging.getLogger("kzfeed.pipeline._run")

_QUIET_BATCH = 50
_QUIET_SECONDS = 1.0


def _now() -> datetime:
    return clock.now()


def config_hash(source: SourceConfig) -> str:
    blob = json.dumps({"type": source.type, "options": source.options}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def build_sources(config: Config, host: PluginHost) -> list[tuple[SourceConfig, Source]]:
    """Build every enabled source from its config table. Raises ``ConfigError`` for an
    unknown type or bad options, before anything is fetched."""
    types = host.source_types()
    built = []
    for sc in config.sources:
        if not sc.enabled:
            continue
        cls = types.get(sc.type)
        if cls is None:
            known = ", ".join(sorted(types)) or "none"
            raise ConfigError(
                f"source {sc.name!r}: unknown type {sc.type!r} (known types: {known}); "
                "check the spelling or install the plugin that provides it"
            )
        try:
            built.append((sc, cls(sc.name, dict(sc.options))))
        except KzfeedError:
            raise
        except Exception as exc:
            raise ConfigError(f"source {sc.name!r}: cannot be built: {type(exc).__name__}: {exc}") from exc
    return built


def build_classifier(config: Config, host: PluginHost) -> Classifier:
    factories = host.classifiers()
    factory = factories.get(config.classifier.name)
    if factory is None:
        known = ", ".join(sorted(factories)) or "none"
        raise ConfigError(f"classifier {config.classifier.name!r} is unknown (known: {known})")
    plugin = host.provider_of("register_classifiers", config.classifier.name)
    try:
        classifier: Classifier = factory(dict(config.classifier.options))
    except KzfeedError:
        raise
    except Exception as exc:
        raise PluginError(
            plugin, f"classifier {config.classifier.name!r} cannot be built: {type(exc).__name__}: {exc}"
        ) from exc
    if not callable(getattr(classifier, "classify", None)):
        raise PluginError(
            plugin,
            f"the factory of classifier {config.classifier.name!r} returned {type(classifier).__name__}, "
            "which has no classify(document) method",
        )
    return classifier


def fetch_policy(config: FetchConfig) -> FetchPolicy:
    """The fetcher's policy from the ``[fetch]`` table (User-Agent with the contact URL)."""
    return FetchPolicy(
        user_agent=default_user_agent(config.contact_url),
        connect_timeout=config.connect_timeout,
        read_timeout=config.read_timeout,
        total_timeout=config.total_timeout,
        max_bytes=config.max_bytes,
        per_host_concurrency=config.per_host_concurrency,
        min_delay=config.min_delay,
        exempt_loopback=config.exempt_loopback,
        obey_robots=config.obey_robots,
        allow_private=config.allow_private,
        max_retry_wait=config.max_retry_wait,
    )


class _LazyClassifier:
    """The run's classifier, built when the first item needs it: building it takes longer
    than a whole run in which every feed answers 304."""

    def __init__(self, config: Config, host: PluginHost) -> None:
        self._config, self._host = config, host
        self._classifier: Classifier | None = None

    @property
    def name(self) -> str:
        return self._get().name

    def _get(self) -> Classifier:
        if self._classifier is None:
            self._classifier = build_classifier(self._config, self._host)
        return self._classifier

    def classify(self, document: Document) -> Classification:
        return self._get().classify(document)


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
class _Collected:
    """What one source's fetch produced, handed from its worker thread to the main thread."""

    sc: SourceConfig
    state: SourceState
    ctx: SourceContext
    raws: list[RawItem]
    error: str | None = None
    status: int | None = None
    retry_after: datetime | None = None
    duration: float = 0.0
    #: why the source was not fetched at all (a stop signal, or another worker has it)
    skipped: str | None = None
    #: the fetcher's new validators for the URLs it fetched: stored with the items
    validators: dict[str, CacheEntry] = field(default_factory=dict)


@dataclass(slots=True)
class Pipeline:
    """Everything one run needs, built once."""

    config: Config
    host: PluginHost
    store: StoreProtocol
    #: processes extracting article pages (default: one per CPU core; 1 = in this process)
    extract_processes: int | None = None
    #: pages extracted in the last run and the CPU seconds that took (for statistics)
    extracted: int = 0
    extract_cpu_s: float = 0.0
    #: set by ``kzfeed.ops._rounds``: sources are claimed before they are fetched (several workers)
    claims: SourceLeases | None = None
    #: set by a signal: no new source and no new request; the sources cut short are left for the next run
    stop: threading.Event | None = None
    _http_cache: HttpCacheStore = field(init=False, repr=False)
    #: the story signals of stored reports, worked out once a run however many sources need them
    _report_signals: dict[tuple[str, str], Signals] = field(default_factory=dict, init=False, repr=False)

    def ingest(
        self,
        *,
        refetch: bool = False,
        only: Iterable[str] | None = None,
        on_source: Callable[[str], None] | None = None,
    ) -> RunReport:
        """Fetch every enabled source, classify and store what it yields.

        Sources are fetched at once by ``fetch.workers`` threads through one polite
        ``Fetcher``; article pages are extracted on worker processes; each source is
        stored in one transaction by this thread. A source waiting out a back-off is
        skipped unless ``refetch`` is set or it is named in ``only``.
        """
        started = _now()
        sources = build_sources(self.config, self.host)
        wanted: set[str] = set()
        if only is not None:
            wanted = set(only)
            unknown = wanted - {sc.name for sc, _ in sources}
            if unknown:
                raise ConfigError(f"no enabled source named {sorted(unknown)[0]!r}; see 'kzfeed sources'")
            sources = [(sc, s) for sc, s in sources if sc.name in wanted]
        classifier = _LazyClassifier(self.config, self.host)
        if self.config.classifier.name not in self.host.classifiers():
            build_classifier(self.config, self.host)  # raises the ConfigError naming the known ones
        policy = fetch_policy(self.config.fetch)
        if refetch and only is not None:  # the operator named them: no wait a server asked for
            states = {s.name: s for s in self.store.source_states()}
            for sc, _ in sources:
                self.store.clear_http_waits(source_urls(sc.options, states.get(sc.name)))
        run_id = self.store.start_run(started, worker=self.claims.owner if self.claims else "")
        outcomes: dict[str, SourceRun] = {}
        # sources that stored no items (304, paused, not due): their health rows and run
        # records are written a batch at a time (at most _QUIET_BATCH, or _QUIET_SECONDS old)
        quiet: list[tuple[SourceState | None, str, SourceRun]] = []
        quiet_since = 0.0

        def done(outcome: SourceRun, *, health: tuple[SourceState | None, str] | None = None) -> None:
            nonlocal quiet_since
            if health is None:
                self.store.record_source_run(run_id, outcome)
            else:
                quiet_since = quiet_since if quiet else time.monotonic()
                quiet.append((*health, outcome))
            outcomes[outcome.source] = outcome
            if on_source:
                on_source(outcome.source)
            if quiet and (len(quiet) >= _QUIET_BATCH or time.monotonic() - quiet_since > _QUIET_SECONDS):
                self._flush_quiet(run_id, quiet)

        workers = max(1, self.config.fetch.workers)
        self._http_cache = self.store.http_cache()
        staged = StagedHttpCache(self._http_cache)
        with (
            Fetcher(policy, cache=staged, stop=self.stop) as fetcher,
            ArticleExtractor(self.extract_processes) as extractor,
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kzfeed-source") as pool,
        ):
            futures = []
            states = {s.name: s for s in self.store.source_states()}
            try:
                for sc, source in sources:
                    state = states.get(sc.name) or SourceState(name=sc.name)
                    waiting = _not_now(sc.name, state, forced=refetch or sc.name in wanted)
                    if waiting is not None:
                        if self.claims is not None:  # --- rounds: not due is done for this round too
                            self.claims.claim(sc.name)  # released with the batch it is written in
                        done(waiting, health=(None, ""))
                        continue
                    futures.append(
                        pool.submit(
                            self._collect, sc, source, state, fetcher, staged, extractor, refetch=refetch
                        )
                    )
                for future in as_completed(futures):
                    got = future.result()
                    if got.skipped is not None:
                        if not self._stopping():  # stopped sources are left for the next run
                            done(
                                SourceRun(source=got.sc.name, status=SourceStatus.SKIPPED, error=got.skipped)
                            )
                        continue
                    outcome, health = self._commit(got, classifier, policy)
                    done(outcome, health=health)
                    # --- rounds: stored or failed, done for this round (quiet ones: once written).
                    # Not when the commit itself raised (a full disk, a second Ctrl-C): nothing was
                    # stored, the lease is dropped by the next run, which fetches the source again.
                    if health is None:
                        self._release(got.sc.name)
            except BaseException as exc:
                if not isinstance(
                    exc, Exception
                ):  # a second Ctrl-C: cut the fetches in flight, wait for none
                    fetcher.abort()
                    pool.shutdown(wait=False, cancel_futures=True)
                raise
            finally:
                self._flush_quiet(run_id, quiet)
            self.extracted, self.extract_cpu_s = extractor.count, extractor.cpu_seconds
        ordered = tuple(outcomes[sc.name] for sc, _ in sources if sc.name in outcomes)
        report = RunReport(started=started, finished=_now(), sources=ordered, run_id=run_id)
        self.store.finish_run(run_id, report)
        return report

    def _collect(
        self,
        sc: SourceConfig,
        source: Source,
        state: SourceState,
        fetcher: Fetcher,
        staged: StagedHttpCache,
        extractor: ArticleExtractor,
        *,
        refetch: bool,
    ) -> _Collected:
        """Run one source's fetch (in a worker thread): what it yielded, or its error."""
        start = time.perf_counter()
        # --- rounds (kzfeed.ops._rounds): no new source after a stop signal; claim it before fetching
        skipped = None
        if self._stopping():
            skipped = "stopped by a signal before it started"
        elif self.claims is not None and not self.claims.claim(sc.name):
            skipped = "already done in this round (by another worker or an earlier run)"
        ctx = SourceContext(
            source=sc.name,
            state=state,
            log=logging.getLogger(f"kzfeed.source.{sc.name}"),
            http=fetcher,
            root=self.config.root,
            refetch=refetch,
            known=_KnownHashes(self.store, sc.name),
            extractor=extractor,
        )
        got = _Collected(sc=sc, state=state, ctx=ctx, raws=[], skipped=skipped)
        if skipped is not None:
            return got
        try:
            got.raws.extend(_raw_items(source.fetch(ctx), sc))
        except FetchError as exc:
            got.error, got.status, got.retry_after = str(exc), exc.status, exc.retry_after
        except KzfeedError as exc:
            got.error = str(exc)
        except (Exception, SystemExit) as exc:  # a plugin bug (even sys.exit) must not stop the others
            got.error = f"source {sc.name!r} ({sc.type}) crashed: {type(exc).__name__}: {exc}"
            log.debug("source %r crashed", sc.name, exc_info=True)
        got.duration = time.perf_counter() - start
        got.validators = staged.take(sc.name)
        if fetcher.stopped(sc.name):  # cut short by a stop signal: neither items nor validators kept
            got.raws.clear()
            got.skipped = "stopped by a signal while it was being fetched"
        return got

    def _release(self, name: str) -> None:
        if self.claims is not None:
            self.claims.release(name)

    def _changed(self, got: _Collected) -> dict[str, CacheEntry]:
        changed = self._http_cache.changed(got.validators)
        self._http_cache.remember(changed)  # written by the caller's transaction
        return changed

    def _stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def _flush_quiet(self, run_id: int, quiet: list[tuple[SourceState | None, str, SourceRun]]) -> None:
        """Write the batched health rows and run records, then free those sources' leases."""
        if not quiet:
            return
        self.store.save_quiet_sources(run_id, quiet)
        if self.claims is not None:
            self.claims.release_many([outcome.source for _, _, outcome in quiet])
        quiet.clear()

    def _commit(
        self, got: _Collected, classifier: Classifier, policy: FetchPolicy
    ) -> tuple[SourceRun, tuple[SourceState, str] | None]:
        """Classify what one source yielded and store it with its health, in one transaction.

        A source that yielded no items is not written here: its health row is returned, for
        the caller to write with others' (a run where every feed answered 304 is mostly that).
        """
        sc, state, ctx = got.sc, got.state, got.ctx
        report = ctx.report
        now = _now()
        if got.error is not None:
            log.debug("%s", got.error)  # the command reports it, once
            new_state = after_failure(
                replace(state, type=sc.type),
                now=now,
                error=got.error,
                policy=policy,
                max_failures=self.config.fetch.max_failures,
                status=got.status or report.http_status,
                retry_after=got.retry_after,
            )
            self.store.save_source(
                state=new_state,
                config_hash=config_hash(sc),
                batch=[],
                ok=False,
                validators=self._changed(got),
            )
            failures = new_state.consecutive_failures
            paused = f"; paused after {failures} failures" if new_state.paused and not state.paused else ""
            return SourceRun(
                source=sc.name,
                status=SourceStatus.FAILED,
                warnings=tuple(report.warnings),
                error=got.error + paused,
                http_status=new_state.last_status,
                duration_s=got.duration,
            ), None
        plugin_errors: list[str] = []
        batch, failed, repeated = self._prepare_all(got, classifier, plugin_errors)
        new_state = after_success(
            replace(state, type=sc.type, cursor={**state.cursor, **report.cursor}),
            now=now,
            items=len(batch),
            status=report.http_status,
            url=report.url,
        )
        health = None
        counts = SaveCounts()
        if batch:
            index = self._story_index(list(batch.values()), now)
            stories = assign_stories(list(batch.values()), index)
            counts = self.store.save_source(
                state=new_state,
                config_hash=config_hash(sc),
                batch=stories,
                merges=index.merges(),
                ok=True,
                now=now,
                validators=self._changed(got),
            )
            repeated.extend(counts.guid_taken)
        else:
            health = (new_state, config_hash(sc))
            for url, entry in got.validators.items():  # no items that a 304 could hide
                self._http_cache.save(url, entry)
        if repeated:
            entries = "1 entry repeats" if len(repeated) == 1 else f"{len(repeated)} entries repeat"
            ctx.warn(
                f"{entries} the id (guid) of an earlier or stored one with another link, e.g. "
                f"{repeated[0]!r}; the first was kept — tell the site if it lasts"
            )
        fresh = [item for item in batch.values() if item.id in counts.new_ids]
        outcome = SourceRun(
            source=sc.name,
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
        return outcome, health

    def _story_index(self, batch: list[Item], now: datetime) -> StoryIndex:
        """The stored story keys and reports a batch can join: those around its dates and
        those sharing a key with it, never every stored item."""
        look = story_lookup(batch, now)
        keys = self.store.story_keys(
            ids=look.ids, hashes=look.hashes, urls=look.urls, guids=look.guids, spans=look.spans
        )
        index = StoryIndex(keys)
        windows = report_windows(batch)
        if windows:  # reports of the same event in other languages
            index.add_reports(self.store.story_reports(windows), self._report_signals)
        return index

    def _prepare_all(
        self, got: _Collected, classifier: Classifier, plugin_errors: list[str]
    ) -> tuple[dict[str, Item], int, list[str]]:
        """The items of what a source yielded, by id; how many failed (each a warning); and
        the guids of entries left out because an earlier entry had the same guid. Errors of
        process_item hooks are added to ``plugin_errors``."""
        batch: dict[str, Item] = {}
        failed = 0
        guids: set[str] = set()
        repeated: list[str] = []
        for raw in got.raws:
            if raw.guid in guids:  # one guid, two entries (other links): the first is kept
                repeated.append(raw.guid)
                continue
            try:
                item = self._prepare(raw, got.sc, classifier, plugin_errors)
            except ConfigError:
                raise  # e.g. a bad [classifier] option, found when the classifier is first built
            except Exception as exc:
                failed += 1
                got.ctx.warn(f"item {raw.guid!r} skipped: {type(exc).__name__}: {exc}")
                continue
            guids.add(raw.guid)
            if item is not None:
                batch.setdefault(item.id, item)
        return batch, failed, repeated

    def _prepare(
        self, raw: RawItem, sc: SourceConfig, classifier: Classifier, plugin_errors: list[str]
    ) -> Item | None:
        item = normalise(raw, source=sc.name, source_type=sc.type)
        lang = item.lang
        if not lang:
            from kzfeed.lang import detect_language

            lang = detect_language(f"{item.title}\n{item.content_text}")
        classification = classifier.classify(item.document(lang=lang))
        item = replace(item, lang=lang or classification.lang, classification=classification)
        processed, errors = self.host.process_item(item, self._item_context(sc.name))
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

    def render(self) -> list[Path]:
        return render(self.config, self.store)


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
        yield raw


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _not_now(name: str, state: SourceState, *, forced: bool) -> SourceRun | None:
    """The outcome of a source that is not fetched this run (paused, or not due), else None."""
    if state.paused:
        return SourceRun(
            source=name,
            status=SourceStatus.PAUSED,
            error=f"paused after {state.consecutive_failures} failures ({state.last_error}); "
            f"run 'kzfeed sources reset {name}' to try again",
        )
    if not forced and state.next_due is not None and not is_due(state, _now()):
        return SourceRun(
            source=name,
            status=SourceStatus.SKIPPED,
            error=f"not due before {state.next_due.isoformat(timespec='seconds')} "
            f"(backing off after {state.consecutive_failures} failure(s)); "
            f"'kzfeed run --source {name}' fetches it now",
        )
    return None
