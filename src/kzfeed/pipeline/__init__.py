"""One run: collect from the sources, normalise, classify, group into stories, store, record source health."""

from __future__ import annotations

from kzfeed.pipeline._health import CONFIGURED_URL, current_url
from kzfeed.pipeline._normalise import split_paragraphs
from kzfeed.pipeline._reclassify import reclassify
from kzfeed.pipeline._run import Pipeline, build_classifier, build_sources, fetch_policy, render

__all__ = [
    "CONFIGURED_URL",
    "Pipeline",
    "build_classifier",
    "build_sources",
    "current_url",
    "fetch_policy",
    "reclassify",
    "render",
    "split_paragraphs",
]
