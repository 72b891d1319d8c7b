"""One run: sources → normalise → classify → process_item → stories → store → render.

This module is the only one that knows the order of the stages. A source that fails is
recorded on its health row and the run goes on with the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from kzfeed import clock
from kzfeed.config import Config, FetchConfig, SourceConfig
from kzfeed.dedupe import StoryIndex, assign_stories
from kzfeed.errors import ConfigError, KzfeedError
from kzfeed.fetch import Fetcher, FetchPolicy, MemoryHttpCache, default_user_agent
from kzfeed.models import (
    Document,
    Item,
    RawItem,
    RunReport,
    SourceRun,
    SourceStatus,
)
from kzfeed.normalize import normalise
from kzfeed.plugins import PluginHost
from kzfeed.sources import Classifier, ItemContext, Source, SourceContext
from kzfeed.storage import Store
from kzfeed.storage.stories import story_keys

__all__ = ["Pipeline", "build_classifier", "build_sources", "render"]

log = logging.getLogger("kzfeed.pipeline")


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
    classifier: Classifier = factory(dict(config.classifier.options))
    return classifier


def make_fetcher(fetch: FetchConfig) -> Fetcher:
    """The HTTP client sources get as ``ctx.http``, with the politeness of the ``[fetch]`` table."""
    policy = FetchPolicy(
        user_agent=default_user_agent(fetch.contact_url),
        connect_timeout=fetch.connect_timeout,
        read_timeout=fetch.read_timeout,
        total_timeout=fetch.total_timeout,
        max_bytes=fetch.max_bytes,
        per_host_concurrency=fetch.per_host_concurrency,
        min_delay=fetch.min_delay,
        exempt_loopback=fetch.exempt_loopback,
        obey_robots=fetch.obey_robots,
    )
    return Fetcher(policy, cache=MemoryHttpCache())


@dataclass(slots=True)
class Pipeline:
    """Everything one run needs, built once."""

    config: Config
    host: PluginHost
    store: Store

    def ingest(
        self,
        *,
        refetch: bool = False,
        only: Iterable[str] | None = None,
        on_source: Callable[[str], None] | None = None,
    ) -> RunReport:
        """Fetch every enabled source, classify and store what it yields."""
        started = _now()
        sources = build_sources(self.config, self.host)
        if only is not None:
            wanted = set(only)
            unknown = wanted - {sc.name for sc, _ in sources}
            if unknown:
                raise ConfigError(f"no enabled source named {sorted(unknown)[0]!r}; see 'kzfeed sources'")
            sources = [(sc, s) for sc, s in sources if sc.name in wanted]
        classifier = build_classifier(self.config, self.host)
        run_id = self.store.start_run(started)
        outcomes = []
        with make_fetcher(self.config.fetch) as http:
            for sc, source in sources:
                outcome = self._run_source(sc, source, classifier, refetch=refetch, http=http)
                self.store.record_source_run(run_id, outcome)
                outcomes.append(outcome)
                if on_source:
                    on_source(sc.name)
        report = RunReport(started=started, finished=_now(), sources=tuple(outcomes), run_id=run_id)
        self.store.finish_run(run_id, report)
        return report

    def _run_source(
        self, sc: SourceConfig, source: Source, classifier: Classifier, *, refetch: bool, http: Fetcher
    ) -> SourceRun:
        state = self.store.source_state(sc.name)
        if state.paused:
            return SourceRun(
                source=sc.name,
                status=SourceStatus.PAUSED,
                error=f"paused after {state.consecutive_failures} failures ({state.last_error}); "
                f"run 'kzfeed sources reset {sc.name}' to try again",
            )
        start = time.perf_counter()
        ctx = SourceContext(
            source=sc.name,
            state=state,
            log=logging.getLogger(f"kzfeed.source.{sc.name}"),
            http=http,
            root=self.config.root,
            refetch=refetch,
            known=self.store.known_hashes(sc.name),
        )
        batch: dict[str, Item] = {}
        failed = 0
        error: str | None = None
        try:
            for raw in source.fetch(ctx):
                try:
                    item = self._prepare(raw, sc, classifier)
                except Exception as exc:
                    failed += 1
                    ctx.warn(f"item {raw.guid!r} skipped: {type(exc).__name__}: {exc}")
                    continue
                if item is not None:
                    batch.setdefault(item.id, item)
        except KzfeedError as exc:
            error = str(exc)
        except Exception as exc:  # a plugin bug must not stop the other sources
            error = f"source {sc.name!r} ({sc.type}) crashed: {type(exc).__name__}: {exc}"
            log.debug("source %r crashed", sc.name, exc_info=True)

        now = _now()
        duration = time.perf_counter() - start
        if error is not None:
            log.error("%s", error)
            failures = state.consecutive_failures + 1
            paused = failures >= self.config.fetch.max_failures
            new_state = replace(
                state,
                type=sc.type,
                last_attempt=now,
                last_error=error,
                consecutive_failures=failures,
                paused=paused,
                next_due=now + timedelta(minutes=min(2**failures, 360)),
            )
            self.store.save_source(state=new_state, config_hash=config_hash(sc), batch=[], ok=False)
            return SourceRun(
                source=sc.name,
                status=SourceStatus.FAILED,
                failed=failed,
                warnings=tuple(ctx.warnings),
                error=error + (f"; paused after {failures} failures" if paused else ""),
                duration_s=duration,
            )
        new_state = replace(
            state,
            type=sc.type,
            last_attempt=now,
            last_ok=now,
            last_error=None,
            items_last_run=len(batch),
            consecutive_failures=0,
            next_due=None,
            cursor={**state.cursor, **ctx.cursor},
        )
        stories = assign_stories(list(batch.values()), StoryIndex(story_keys(self.store)))
        counts = self.store.save_source(
            state=new_state, config_hash=config_hash(sc), batch=stories, ok=True, now=now
        )
        return SourceRun(
            source=sc.name,
            status=SourceStatus.OK,
            new=counts.new,
            updated=counts.updated,
            unchanged=counts.unchanged,
            failed=failed,
            warnings=tuple(ctx.warnings),
            duration_s=duration,
        )

    def _prepare(self, raw: RawItem, sc: SourceConfig, classifier: Classifier) -> Item | None:
        item = normalise(raw, source=sc.name, source_type=sc.type)
        lang = item.lang
        if not lang:
            from kzfeed.lang import detect_language

            lang = detect_language(f"{item.title}\n{item.content_text}")
        classification = classifier.classify(
            Document(title=item.title, text=item.content_text, lang=lang, id=item.id)
        )
        item = replace(item, lang=lang or classification.lang, classification=classification)
        processed, errors = self.host.process_item(item, self._item_context(sc.name))
        for message in errors:
            log.error("%s", message)
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


def render(config: Config, store: Store) -> list[Path]:
    """Write the feeds and pages to ``config.output_dir`` (see ``kzfeed.publish``)."""
    from kzfeed.publish import publish

    return publish(config, store)
