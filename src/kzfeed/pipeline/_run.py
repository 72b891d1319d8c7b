"""One run: sources → normalise → classify → process_item → stories → store → render.

This module is the only one that knows the order of the stages: ``_build`` makes the sources
and the classifier from the config, ``_collect`` fetches each source on a worker thread,
``_commit`` stores each on this thread as it finishes. A source that fails is recorded on its
health row and the run goes on with the others.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kzfeed import clock
from kzfeed.articles import ArticleExtractor
from kzfeed.config import Config, SourceConfig
from kzfeed.errors import ConfigError
from kzfeed.http import Fetcher, StagedHttpCache
from kzfeed.models import RunReport, SourceRun, SourceState
from kzfeed.pipeline._build import LazyClassifier, build_classifier, build_sources, fetch_policy
from kzfeed.pipeline._collect import Collector, not_now, skipped_run
from kzfeed.pipeline._commit import Committer
from kzfeed.pipeline._health import source_urls
from kzfeed.pipeline._render import render
from kzfeed.plugins import PluginHost
from kzfeed.sources import Source
from kzfeed.storage import SourceLeases, StoreProtocol
from kzfeed.stories import Signals

__all__ = ["Pipeline"]

_QUIET_BATCH = 50
_QUIET_SECONDS = 1.0


def _now() -> datetime:
    return clock.now()


@dataclass(slots=True, kw_only=True)
class _Outcomes:
    """The run's line of each source as it is done. Sources that stored no items (304, paused,
    not due) have their health rows and run records written a batch at a time (at most
    ``_QUIET_BATCH``, or ``_QUIET_SECONDS`` old), then their leases freed."""

    store: StoreProtocol
    run_id: int
    claims: SourceLeases | None
    on_source: Callable[[str], None] | None
    by_source: dict[str, SourceRun] = field(default_factory=dict)
    quiet: list[tuple[SourceState | None, str, SourceRun]] = field(default_factory=list)
    quiet_since: float = 0.0

    def done(self, outcome: SourceRun, *, health: tuple[SourceState | None, str] | None = None) -> None:
        if health is None:
            self.store.record_source_run(self.run_id, outcome)
        else:
            self.quiet_since = self.quiet_since if self.quiet else time.monotonic()
            self.quiet.append((*health, outcome))
        self.by_source[outcome.source] = outcome
        if self.on_source:
            self.on_source(outcome.source)
        if self.quiet and (
            len(self.quiet) >= _QUIET_BATCH or time.monotonic() - self.quiet_since > _QUIET_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        """Write the batched health rows and run records, then free those sources' leases."""
        if not self.quiet:
            return
        self.store.save_quiet_sources(self.run_id, self.quiet)
        if self.claims is not None:
            self.claims.release_many([outcome.source for _, _, outcome in self.quiet])
        self.quiet.clear()


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
        sources, wanted = self._chosen(only)
        classifier = LazyClassifier(self.config, self.host)
        if self.config.classifier.name not in self.host.classifiers():
            build_classifier(self.config, self.host)  # raises the ConfigError naming the known ones
        policy = fetch_policy(self.config.fetch)
        if refetch and only is not None:  # the operator named them: no wait a server asked for
            states = {s.name: s for s in self.store.source_states()}
            for sc, _ in sources:
                self.store.clear_http_waits(source_urls(sc.options, states.get(sc.name)))
        run_id = self.store.start_run(started, worker=self.claims.owner if self.claims else "")
        outcomes = _Outcomes(store=self.store, run_id=run_id, claims=self.claims, on_source=on_source)
        http_cache = self.store.http_cache()
        staged = StagedHttpCache(http_cache)
        committer = Committer(
            config=self.config,
            host=self.host,
            store=self.store,
            http_cache=http_cache,
            classifier=classifier,
            policy=policy,
            report_signals=self._report_signals,
            now=_now,
        )
        with (
            Fetcher(policy, cache=staged, stop=self.stop) as fetcher,
            ArticleExtractor(self.extract_processes) as extractor,
        ):
            collector = Collector(
                store=self.store,
                fetcher=fetcher,
                staged=staged,
                extractor=extractor,
                root=self.config.root,
                refetch=refetch,
                claims=self.claims,
                stop=self.stop,
            )
            self._fetch_and_commit(sources, wanted, collector, committer, outcomes)
            self.extracted, self.extract_cpu_s = extractor.count, extractor.cpu_seconds
        ordered = tuple(outcomes.by_source[sc.name] for sc, _ in sources if sc.name in outcomes.by_source)
        report = RunReport(started=started, finished=_now(), sources=ordered, run_id=run_id)
        self.store.finish_run(run_id, report)
        return report

    def _chosen(self, only: Iterable[str] | None) -> tuple[list[tuple[SourceConfig, Source]], set[str]]:
        """The enabled sources this run fetches, and the names the operator asked for."""
        sources = build_sources(self.config, self.host)
        if only is None:
            return sources, set()
        wanted = set(only)
        unknown = wanted - {sc.name for sc, _ in sources}
        if unknown:
            raise ConfigError(f"no enabled source named {sorted(unknown)[0]!r}; see 'kzfeed sources'")
        return [(sc, s) for sc, s in sources if sc.name in wanted], wanted

    def _fetch_and_commit(
        self,
        sources: list[tuple[SourceConfig, Source]],
        wanted: set[str],
        collector: Collector,
        committer: Committer,
        outcomes: _Outcomes,
    ) -> None:
        """Fetch the sources on ``fetch.workers`` threads; store each here as it finishes."""
        workers = max(1, self.config.fetch.workers)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kzfeed-source") as pool:
            futures = []
            states = {s.name: s for s in self.store.source_states()}
            try:
                for sc, source in sources:
                    state = states.get(sc.name) or SourceState(name=sc.name)
                    waiting = not_now(
                        sc.name, state, forced=collector.refetch or sc.name in wanted, now=_now()
                    )
                    if waiting is not None:
                        if self.claims is not None:  # --- rounds: not due is done for this round too
                            self.claims.claim(sc.name)  # released with the batch it is written in
                        outcomes.done(waiting, health=(None, ""))
                        continue
                    futures.append(pool.submit(collector.collect, sc, source, state))
                for future in as_completed(futures):
                    got = future.result()
                    if got.skipped is not None:
                        if not self._stopping():  # stopped sources are left for the next run
                            outcomes.done(skipped_run(got.sc.name, got.skipped))
                        continue
                    outcome, health = committer.commit(got)
                    outcomes.done(outcome, health=health)
                    # --- rounds: stored or failed, done for this round (quiet ones: once written).
                    # Not when the commit itself raised (a full disk, a second Ctrl-C): nothing was
                    # stored, the lease is dropped by the next run, which fetches the source again.
                    if health is None and self.claims is not None:
                        self.claims.release(got.sc.name)
            except BaseException as exc:
                if not isinstance(
                    exc, Exception
                ):  # a second Ctrl-C: cut the fetches in flight, wait for none
                    collector.fetcher.abort()
                    pool.shutdown(wait=False, cancel_futures=True)
                raise
            finally:
                outcomes.flush()

    def _stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def render(self) -> list[Path]:
        return render(self.config, self.store)
