"""kzfeed: follow news of Kazakhstan–EU cooperation as Atom, RSS and JSON feeds.

The public API for plugin authors is what ``__all__`` lists; everything else is private.
"""

from __future__ import annotations

from kzfeed.errors import (
    ConfigError,
    FetchError,
    InputError,
    KzfeedError,
    PluginError,
    SourceError,
    StorageError,
)
from kzfeed.hookspecs import hookimpl
from kzfeed.models import (
    TOPICS,
    Classification,
    Document,
    Entity,
    Evidence,
    Item,
    RawItem,
    SourceState,
    Topic,
    TopicTag,
)
from kzfeed.sources import Classifier, ItemContext, Source, SourceContext, check_options

__version__ = "0.1.0"

__all__ = [
    "TOPICS",
    "Classification",
    "Classifier",
    "ConfigError",
    "Document",
    "Entity",
    "Evidence",
    "FetchError",
    "InputError",
    "Item",
    "ItemContext",
    "KzfeedError",
    "PluginError",
    "RawItem",
    "Source",
    "SourceContext",
    "SourceError",
    "SourceState",
    "StorageError",
    "Topic",
    "TopicTag",
    "__version__",
    "check_options",
    "hookimpl",
]


def __getattr__(name: str) -> object:
    if name == "CleanArticle":  # deprecated: one article type, RawItem (the warning says so)
        from kzfeed import models

        return models.CleanArticle
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
