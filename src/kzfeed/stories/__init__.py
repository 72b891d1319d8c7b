"""Stories: reports of the same event grouped into one entry."""

from __future__ import annotations

from kzfeed.stories._dedupe import StoryIndex, assign_stories, group_stories, recluster

__all__ = ["StoryIndex", "assign_stories", "group_stories", "recluster"]
