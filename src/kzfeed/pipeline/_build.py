"""What a run is built from: its sources, its classifier and the fetcher's policy, each from the config.

Every mistake in the config is found here, before anything is fetched, as a ``ConfigError``
(or a ``PluginError`` naming the plugin whose classifier cannot be built).
"""

from __future__ import annotations

import hashlib
import json
import threading

from kzfeed.config import Config, FetchConfig, SourceConfig
from kzfeed.errors import ConfigError, KzfeedError, PluginError
from kzfeed.http import FetchPolicy, default_user_agent
from kzfeed.models import ArticleText, Classification
from kzfeed.plugins import PluginHost
from kzfeed.sources import Classifier, Source

__all__ = ["LazyClassifier", "build_classifier", "build_sources", "config_hash", "fetch_policy"]


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


class LazyClassifier:
    """The run's classifier, built when the first item needs it (or earlier, by
    :meth:`build_now`, while this process has nothing else to do): building it takes longer
    than a whole run in which every feed answers 304."""

    def __init__(self, config: Config, host: PluginHost) -> None:
        self._config, self._host = config, host
        self._classifier: Classifier | None = None
        self._building = threading.Lock()  # built once, whichever thread asks first
        self._builder: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self._get().name

    def _get(self) -> Classifier:
        if self._classifier is None:
            with self._building:
                if self._classifier is None:
                    self._classifier = build_classifier(self._config, self._host)
        return self._classifier

    def build_now(self) -> None:
        """Build it now, in this thread (a run about to classify pages that are still being
        fetched and extracted). A failure is left for the first ``classify``, which raises it."""
        try:
            self._get()
        except Exception:  # ConfigError, PluginError: said where the run classifies
            return

    def build_in_background(self) -> None:
        """:meth:`build_now` on a thread of its own (once); :meth:`wait_for_build` joins it."""
        if self._builder is None:
            self._builder = threading.Thread(target=self.build_now, name="kzfeed-classifier", daemon=True)
            self._builder.start()

    def release(self) -> bool:
        """Drop the classifier once the run's items are classified; whether one was built."""
        built, self._classifier = self._classifier is not None, None
        return built

    def wait_for_build(self) -> None:
        if self._builder is not None:
            self._builder.join()

    def classify(self, document: ArticleText) -> Classification:
        return self._get().classify(document)
