"""The plain data kzfeed passes between its stages: frozen, slotted, keyword-only dataclasses.

``RawItem`` is one article, the one type it travels in: a reader makes it, a source yields it,
a classifier reads it (``ArticleText``: its title, text and language) and an ``Item`` holds it as it
is stored, with what kzfeed decided about it (ids, classification, story). ``Document`` is the
name classifiers knew their input by: it is ``RawItem``.
"""

from __future__ import annotations

import warnings

from kzfeed.models._article import ArticleText, Document, Item, RawItem, Story, StoryKey, item_id_for
from kzfeed.models._classification import (
    TOPIC_LABELS,
    TOPICS,
    Classification,
    Entity,
    Evidence,
    Topic,
    TopicTag,
    topic_label,
)
from kzfeed.models._runs import (
    CacheEntry,
    RunError,
    RunErrorKind,
    RunReport,
    SourceRun,
    SourceState,
    SourceStatus,
)

__all__ = [
    "TOPICS",
    "TOPIC_LABELS",
    "ArticleText",
    "CacheEntry",
    "Classification",
    "Document",
    "Entity",
    "Evidence",
    "Item",
    "RawItem",
    "RunError",
    "RunErrorKind",
    "RunReport",
    "SourceRun",
    "SourceState",
    "SourceStatus",
    "Story",
    "StoryKey",
    "Topic",
    "TopicTag",
    "item_id_for",
    "topic_label",
]


def __getattr__(name: str) -> object:
    if name == "CleanArticle":
        warnings.warn(
            "kzfeed.CleanArticle is deprecated: it is RawItem (one article type from reader to "
            "source); import RawItem, and give the article its guid with article.with_guid(guid)",
            DeprecationWarning,
            stacklevel=2,
        )
        return RawItem
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
