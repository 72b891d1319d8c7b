"""One run: collect from the sources, normalise, classify, group into stories, store, record source health."""

from __future__ import annotations

from kzfeed.pipeline._reclassify import reclassify
from kzfeed.pipeline._run import Pipeline, build_classifier, build_sources, fetch_policy, render

__all__ = [
    "Pipeline",
    "build_classifier",
    "build_sources",
    "fetch_policy",
    "reclassify",
    "render",
]
