"""One run: sources → normalise → classify → process_item → store → render.

This module is the only one that knows the order of the stages. A source that fails is
recorded on its health row and the run goes on with the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kzfeed.config import Config, SourceConfig
from kzfeed.errors import ConfigError, KzfeedError
from kzfeed.feeds import FeedSpec, render_atom, render_rss
from kzfeed.models import (
    TOPICS,
    Document,
    Item,
    RawItem,
    RunReport,
    SourceRun,
    SourceStatus,
    topic_label,
)
from kzfeed.normalize import normalise
from kzfeed.pages import render_index, render_item_page
from kzfeed.plugins import PluginHost
from kzfeed.sources import Classifier, ItemContext, Source, SourceContext
from kzfeed.storage import Store
from kzfeed.storage.leases import SourceLeases

__all__ = ["Pipeline", "build_classifier", "build_sources", "render"]

log = logging.getLogger("kzfeed.pipeline")


def _now() -> datetime:
    # whole seconds: the times end up in feeds, where sub-second digits are noise
    return datetime.now(UTC).replace(microsecond=0)


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


@dataclass(slots=True)
class Pipeline:
    """Everything one run needs, built once."""

    config: Config
    host: PluginHost
    store: Store
    #: set by ``kzfeed.rounds``: sources are claimed before they are fetched (several workers)
    claims: SourceLeases | None = None
    #: set by a signal: stop after the current source
    stop: threading.Event | None = None

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
        run_id = self.store.start_run(started, worker=self.claims.owner if self.claims else "")
        outcomes = []
        for sc, source in sources:
            # --- rounds (kzfeed.rounds): stop on a signal, claim the source, release it after
            if self.stop is not None and self.stop.is_set():
                break
            if self.claims is not None and not self.claims.claim(sc.name):
                outcomes.append(
                    SourceRun(
                        source=sc.name,
                        status=SourceStatus.SKIPPED,
                        error="already done in this round (by another worker or an earlier run)",
                    )
                )
                continue
            outcome = self._run_source(sc, source, classifier, refetch=refetch)
            if self.claims is not None:
                self.claims.release(sc.name)
            # --- end rounds
            self.store.record_source_run(run_id, outcome)
            outcomes.append(outcome)
            if on_source:
                on_source(sc.name)
        report = RunReport(started=started, finished=_now(), sources=tuple(outcomes), run_id=run_id)
        self.store.finish_run(run_id, report)
        return report

    def _run_source(
        self, sc: SourceConfig, source: Source, classifier: Classifier, *, refetch: bool
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
        counts = self.store.save_source(
            state=new_state, config_hash=config_hash(sc), batch=list(batch.values()), ok=True, now=now
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


def feed_specs(config: Config, topics: Iterable[str]) -> list[FeedSpec]:
    """The overall feed and one per topic, in a stable order."""
    specs = [
        FeedSpec(
            key="all",
            title=config.title,
            subtitle=config.subtitle,
            base_url=config.base_url,
            atom_path="feed.atom",
            rss_path="feed.rss",
            page_path="index.html",
        )
    ]
    for topic in topics:
        specs.append(
            FeedSpec(
                key=f"topic:{topic}",
                title=f"{config.title}: {topic_label(topic)}",
                subtitle=f"{topic_label(topic)} — {config.subtitle}",
                base_url=config.base_url,
                atom_path=f"topics/{topic}.atom",
                rss_path=f"topics/{topic}.rss",
                page_path="index.html",
            )
        )
    return specs


def build_outputs(config: Config, items: list[Item]) -> dict[str, bytes]:
    """Every file of ``public/``, as ``{relative path: bytes}``, from the relevant items."""
    topics = list(TOPICS) + sorted({t for i in items for t in i.topics} - set(TOPICS))
    specs = feed_specs(config, topics)
    fallback = max((i.date for i in items if i.date), default=None)
    outputs: dict[str, bytes] = {}
    for spec in specs:
        topic = spec.key.removeprefix("topic:") if spec.key != "all" else None
        selected = [i for i in items if topic is None or topic in i.topics][: config.feed_size]
        outputs[spec.atom_path] = render_atom(spec, selected, fallback=fallback)
        outputs[spec.rss_path] = render_rss(spec, selected, fallback=fallback)
    for item in items:
        if not item.url:
            outputs[f"items/{item.id}.html"] = render_item_page(item, config.base_url).encode()
    outputs["index.html"] = render_index(
        config.title, config.subtitle, items[: config.feed_size], specs
    ).encode()
    return outputs


def render(config: Config, store: Store) -> list[Path]:
    """Write the feeds and pages to ``config.output_dir``. Files whose bytes did not change
    are left alone (their modification time too); pages of items no longer shown are removed.
    Returns the files written."""
    outputs = build_outputs(config, store.items(relevant=True))
    return write_outputs(config.output_dir, outputs, prune=("items",))


def write_outputs(out_dir: Path, outputs: Mapping[str, bytes], *, prune: Iterable[str] = ()) -> list[Path]:
    written = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for rel, data in sorted(outputs.items()):
            path = out_dir / rel
            if path.is_file() and path.read_bytes() == data:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(path, data)
            written.append(path)
        for folder in prune:
            for path in sorted((out_dir / folder).glob("*")):
                if path.is_file() and path.relative_to(out_dir).as_posix() not in outputs:
                    path.unlink()
    except OSError as exc:
        raise ConfigError(f"cannot write to output folder {str(out_dir)!r}: {exc}; check output_dir") from exc
    return written


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
