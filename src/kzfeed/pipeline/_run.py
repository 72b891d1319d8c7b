"""One run: sources → normalise → classify → process_item → stories → store → render.

This module is the only one that knows the order of the stages: ``_build`` makes the sources
and the classifier from the config, ``_collect`` fetches each source on a worker thread,
``_commit`` stores each on this thread as it finishes. A source that fails is recorded on its
health row and the run goes on with the others.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from kzfeed import clock
from kzfeed.config import Config, SourceConfig
from kzfeed.errors import ConfigError
from kzfeed.http import StagedHttpCache
from kzfeed.models import RunReport, SourceRun, SourceState
from kzfeed.pipeline._build import LazyClassifier, build_classifier, build_sources, fetch_policy
from kzfeed.pipeline._collect import Collected, Collector, not_now, paused_runs, skipped_run
from kzfeed.pipeline._commit import Committer
from kzfeed.pipeline._due import DueSources
from kzfeed.pipeline._events import Events, put_item, short_turns
from kzfeed.pipeline._health import source_urls
from kzfeed.pipeline._render import render
from kzfeed.plugins import PluginHost
from kzfeed.sources import Source
from kzfeed.storage import SourceLeases, StoreProtocol
from kzfeed.stories import Signals

if TYPE_CHECKING:
    from kzfeed.articles import ArticleExtractor
    from kzfeed.http import FetchPolicy, FleetPoliteness

__all__ = ["Pipeline"]

_QUIET_BATCH = 50
_QUIET_SECONDS = 1.0


def _now() -> datetime:
    return clock.now()


@dataclass(slots=True, kw_only=True)
class _Outcomes:
    """The run's line of each source as it is done. Sources that stored no items (304, paused,
    not due) have their health rows and run records written a batch at a time (at most
    ``_QUIET_BATCH``, or ``_QUIET_SECONDS`` old), then their claims finished."""

    store: StoreProtocol
    run_id: int
    due: DueSources
    #: seconds until each committed source is due again (the committer's)
    due_in: dict[str, float]
    on_source: Callable[[str], None] | None
    on_outcome: Callable[[SourceRun], None] | None = None
    by_source: dict[str, SourceRun] = field(default_factory=dict)
    quiet: list[tuple[SourceState | None, str, SourceRun]] = field(default_factory=list)
    quiet_since: float = 0.0

    def done(
        self,
        outcome: SourceRun,
        *,
        health: tuple[SourceState | None, str] | None = None,
        recorded: bool = False,
    ) -> None:
        """``recorded``: its run record was written with what it stored (SQLite)."""
        if health is None:
            if not recorded:
                self.store.record_source_run(self.run_id, outcome)
        else:
            self.quiet_since = self.quiet_since if self.quiet else time.monotonic()
            self.quiet.append((*health, outcome))
        self.by_source[outcome.source] = outcome
        if self.on_source:
            self.on_source(outcome.source)
        if self.on_outcome:  # after the source's items were committed
            self.on_outcome(outcome)
        if self.quiet and (
            len(self.quiet) >= _QUIET_BATCH or time.monotonic() - self.quiet_since > _QUIET_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        """Write the batched health rows and run records, then finish those sources' claims."""
        if not self.quiet:
            return
        self.store.save_quiet_sources(self.run_id, self.quiet)
        self.finish([outcome.source for _, _, outcome in self.quiet])
        self.quiet.clear()

    def finish(self, names: list[str], *, written: bool = False) -> None:
        """These sources are stored: due again when the committer said (claimed ones only);
        ``written``: their due times were written with what they stored (SQLite)."""
        due_in = {n: self.due_in.pop(n) for n in names if n in self.due_in}
        if written:
            self.due.written(due_in)
        else:
            self.due.finish(due_in)


@dataclass(slots=True)
class _Tools:
    """The run's collector (fetcher and page extractor), made by ``make`` for the first source
    fetched; None until then."""

    make: Callable[[], Collector]
    refetch: bool
    collector: Collector | None = None

    def open(self) -> Collector:
        if self.collector is None:
            self.collector = self.make()
        return self.collector


@dataclass(slots=True)
class Pipeline:
    """Everything one run needs, built once."""

    config: Config
    host: PluginHost
    store: StoreProtocol
    #: processes extracting article pages (default: one per CPU core; 1 = in this process); a
    #: function is asked when the first page needs extracting (``kzfeed.ops.extract_processes``)
    extract_processes: int | Callable[[], int] | None = None
    #: pages extracted in the last run and the CPU seconds that took (for statistics)
    extracted: int = 0
    extract_cpu_s: float = 0.0
    #: set by ``kzfeed.ops``: due sources are claimed a batch at a time before they are fetched
    #: (several workers); without, every source is fetched
    claims: SourceLeases | None = None
    #: set by a signal: no new source and no new request; the sources cut short are left for the next run
    stop: threading.Event | None = None
    #: told each source's outcome once what it stored is committed (``kzfeed.ops``' rendering)
    on_outcome: Callable[[SourceRun], None] | None = None
    #: the story signals of stored reports, worked out once a run however many sources need them
    _report_signals: dict[tuple[str, str], Signals] = field(default_factory=dict, init=False, repr=False)

    def ingest(
        self,
        *,
        refetch: bool = False,
        every_source: bool = False,
        only: Iterable[str] | None = None,
        on_source: Callable[[str], None] | None = None,
        on_start: Callable[[str], None] | None = None,
    ) -> RunReport:
        """Fetch the enabled sources, classify and store what they yield.

        With ``claims``, the sources due now are claimed a batch at a time (every one, due or
        not, with ``every_source`` or ``refetch``; those named in ``only`` at once) and each is due again once
        done; without, every source is fetched, but one waiting out a back-off is skipped
        unless ``refetch`` is set or it is named in ``only``. Sources are fetched at once by
        ``fetch.workers`` threads through one polite ``Fetcher``; article pages are extracted
        on worker processes; each source is stored in one transaction by this thread.
        ``on_start`` is called with a source's name as its fetch starts, ``on_source`` as it is
        done (for a progress display).
        """
        started = _now()
        self.extracted, self.extract_cpu_s = 0, 0.0
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
        forced = refetch or every_source or only is not None
        due = DueSources(self.claims, [sc.name for sc, _ in sources], due_only=not forced)
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
            # under the run lock (SQLite) a source's run record and due time go in its transaction
            run_id=run_id if self.store.runs_exclusive else None,
            claimed=due.claimed,
        )
        outcomes = _Outcomes(
            store=self.store,
            run_id=run_id,
            due=due,
            due_in=committer.due,
            on_source=on_source,
            on_outcome=self.on_outcome,
        )
        with ExitStack() as opened:  # the fetcher and page extractor, once a source is fetched
            make = partial(
                self._open_collector, opened, policy, staged, classifier, refetch=refetch, on_start=on_start
            )
            self._fetch_and_commit(sources, wanted, _Tools(make, refetch), committer, outcomes)
        ordered = tuple(outcomes.by_source[sc.name] for sc, _ in sources if sc.name in outcomes.by_source)
        report = RunReport(started=started, finished=_now(), sources=ordered, run_id=run_id)
        self.store.finish_run(run_id, report)
        if classifier.release():  # rendering follows: let it reuse the memory of what classified
            self._report_signals.clear()
            gc.collect()  # the classifier's word caches are cycles (~6 MiB at 200 feeds)
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
        tools: _Tools,
        committer: Committer,
        outcomes: _Outcomes,
    ) -> None:
        """Fetch the sources claimed on ``fetch.workers`` threads, claiming more as they are
        done; store each here as it finishes."""
        workers = max(1, self.config.fetch.workers)
        due = outcomes.due
        by_name = dict((sc.name, (sc, source)) for sc, source in sources)
        for paused in paused_runs(self.store, list(by_name), _now):  # never claimed, said in every run
            due.skip(paused.source)
            outcomes.done(paused, health=(None, ""))
        # the sources' items as they are yielded, and their fetches as they finish, in order
        events: Events = Events()
        with (
            short_turns(),
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kzfeed-source") as pool,
        ):
            in_flight: set[Future[Collected]] = set()
            try:
                claim = True  # at first, and once a source is done
                while True:
                    if claim and not self._stopping():
                        names = due.more(len(in_flight))
                        in_flight |= self._start(due, names, by_name, wanted, tools, outcomes, (pool, events))
                    if not in_flight:
                        break
                    committer.tick(waiting=events.empty())  # SQLite: commits the sources held
                    event = events.get()
                    claim = isinstance(event, Future)
                    if isinstance(event, Future):
                        in_flight.discard(event)
                        self._store_one(event.result(), committer, outcomes)
                    else:
                        committer.arrived(*event)
                if not self._stopping():
                    for late in self._not_claimed(due.left, forced=due.forced, wanted=wanted):
                        outcomes.done(late, health=(None, ""))
            except BaseException as exc:
                if not isinstance(exc, Exception):  # a second Ctrl-C: cut the fetches, wait for none
                    if tools.collector is not None:
                        tools.collector.fetcher.abort()
                    pool.shutdown(wait=False, cancel_futures=True)
                raise
            finally:
                try:
                    outcomes.flush()
                finally:
                    committer.release()  # SQLite: the sources held are committed (``hold_writes``)

    def _start(
        self,
        due: DueSources,
        names: list[str],
        by_name: dict[str, tuple[SourceConfig, Source]],
        wanted: set[str],
        tools: _Tools,
        outcomes: _Outcomes,
        pool: tuple[ThreadPoolExecutor, Events],
    ) -> set[Future[Collected]]:
        """Start fetching the sources just claimed (read fresh: another worker may have stored
        them since this run began), each on a thread of ``pool`` that puts each item the source
        yields, and then its finished fetch, on the pool's queue of events."""
        states = {s.name: s for s in self.store.source_states(names)} if names else {}
        # the claim kept back-offs (due_at) unless every source was asked for; --all keeps them
        # here (--refetch and --source do not), as does the pipeline used without claims
        backoffs = self.claims is None or (due.forced and not tools.refetch)
        started: set[Future[Collected]] = set()
        for name in names:
            sc, source = by_name[name]
            state = states.get(name) or SourceState(name=name)
            if backoffs:
                waiting = not_now(name, state, forced=tools.refetch or name in wanted, now=_now())
                if waiting is not None:
                    outcomes.done(waiting, health=(None, ""))
                    due.drop(name)
                    continue
            threads, events = pool
            future = tools.open().submit(threads, sc, source, state, partial(put_item, events, sc))
            future.add_done_callback(events.put)
            started.add(future)
        return started

    def _open_collector(
        self,
        opened: ExitStack,
        policy: FetchPolicy,
        staged: StagedHttpCache,
        classifier: LazyClassifier,
        *,
        refetch: bool,
        on_start: Callable[[str], None] | None,
    ) -> Collector:
        """The fetcher and the page extractor, opened (on ``opened``) for the first source
        fetched: a run with nothing due imports no HTTP client (httpx: ~30 ms). While the
        extraction processes ready themselves (a source has pages to extract) the classifier
        is built on a thread of its own: this process waits for the first page then, and
        otherwise builds it when the first item arrives, with the other core extracting."""
        from kzfeed.articles import ArticleExtractor
        from kzfeed.http import Fetcher

        fetcher = Fetcher(policy, cache=staged, stop=self.stop, fleet=self._fleet(), holder=self._holder())
        opened.enter_context(fetcher)
        extractor = ArticleExtractor(self.extract_processes, while_starting=classifier.build_in_background)
        opened.enter_context(extractor)
        opened.callback(self._count_extracted, extractor)
        opened.callback(classifier.wait_for_build)
        return Collector(
            store=self.store,
            fetcher=fetcher,
            staged=staged,
            extractor=extractor,
            root=self.config.root,
            refetch=refetch,
            stop=self.stop,
            on_start=on_start,
        )

    def _count_extracted(self, extractor: ArticleExtractor) -> None:
        self.extracted, self.extract_cpu_s = extractor.count, extractor.cpu_seconds

    def _fleet(self) -> FleetPoliteness | None:
        """Where per-host turns and robots.txt are shared with other workers: the database, when
        its run lock lets other runs work at once (PostgreSQL); None keeps them in this process."""
        return None if self.store.runs_exclusive else self.store

    def _holder(self) -> str:
        return self.claims.owner if self.claims is not None else ""

    def _not_claimed(self, names: list[str], *, forced: bool, wanted: set[str]) -> list[SourceRun]:
        """What to say of the sources this run did not claim: one asked for (``--refetch``,
        ``--source``) is in another worker's hand; one waiting out a back-off says until when;
        one merely not due yet says nothing (most sources, most runs)."""
        said = []
        for state in self.store.source_states(names) if names else []:
            if forced or state.name in wanted:
                said.append(skipped_run(state.name, "another worker is fetching it now"))
            elif (late := not_now(state.name, state, forced=False, now=_now())) is not None:
                said.append(late)
        return said

    def _store_one(self, got: Collected, committer: Committer, outcomes: _Outcomes) -> None:
        """Store one source's fetch, and finish its claim (quiet ones: once written). Not when
        the commit itself raised (a full disk, a second Ctrl-C): nothing was stored, and the
        claim is freed when the worker ends, for the next run to fetch it again."""
        if got.skipped is not None:  # stopped by a signal: given back, for the next run
            committer.forget(got.sc.name)
            outcomes.due.drop(got.sc.name)
            return
        outcome, health = committer.commit(got)
        recorded = got.sc.name in committer.recorded
        committer.recorded.discard(got.sc.name)
        outcomes.done(outcome, health=health, recorded=recorded)
        if health is None:
            outcomes.finish([got.sc.name], written=recorded)

    def _stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def render(self) -> list[Path]:
        return render(self.config, self.store)
