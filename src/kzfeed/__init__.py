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
    CleanArticle,
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
    "CleanArticle",
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
