"""Stories: reports of the same event grouped into one entry."""

from __future__ import annotations

from kzfeed.stories._dedupe import StoryIndex, assign_stories, group_stories, recluster
from kzfeed.stories._evaluate import (
    LabelledReport,
    StoryEval,
    bcubed,
    evaluate_stories,
    format_story_eval,
    load_story_labels,
    score_grouping,
)

__all__ = [
    "LabelledReport",
    "StoryEval",
    "StoryIndex",
    "assign_stories",
    "bcubed",
    "evaluate_stories",
    "format_story_eval",
    "group_stories",
    "load_story_labels",
    "recluster",
    "score_grouping",
]
