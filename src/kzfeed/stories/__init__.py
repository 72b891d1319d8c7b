"""Stories: reports of the same event grouped into one entry."""

from __future__ import annotations

from kzfeed.stories._dedupe import (
    NEAR_DUPLICATE_BITS,
    StoryIndex,
    StoryLookup,
    assign_stories,
    fingerprint,
    group_stories,
    recluster,
    report_window,
    report_windows,
    story_lookup,
)
from kzfeed.stories._evaluate import (
    LabelledReport,
    StoryEval,
    bcubed,
    evaluate_stories,
    format_story_eval,
    load_story_labels,
    score_grouping,
)
from kzfeed.stories._events import EVENT_WINDOW, FeatureCounts
from kzfeed.stories._explain import explain_story, why_grouped
from kzfeed.stories._signals import SIGNALS_VERSION, Signals, signals
from kzfeed.stories._stored import StoredKeys, StoredReports, seen_order, story_key
from kzfeed.stories._view import ViewedStoryIndex

__all__ = [
    "EVENT_WINDOW",
    "NEAR_DUPLICATE_BITS",
    "SIGNALS_VERSION",
    "FeatureCounts",
    "LabelledReport",
    "Signals",
    "StoredKeys",
    "StoredReports",
    "StoryEval",
    "StoryIndex",
    "StoryLookup",
    "ViewedStoryIndex",
    "assign_stories",
    "bcubed",
    "evaluate_stories",
    "explain_story",
    "fingerprint",
    "format_story_eval",
    "group_stories",
    "load_story_labels",
    "recluster",
    "report_window",
    "report_windows",
    "score_grouping",
    "seen_order",
    "signals",
    "story_key",
    "story_lookup",
    "why_grouped",
]
