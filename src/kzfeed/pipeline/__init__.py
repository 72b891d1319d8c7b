"""One run: collect from the sources, normalise, classify, group into stories, store, record source health."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kzfeed._lazy import lazy_names

if TYPE_CHECKING:
    from kzfeed.pipeline._health import CONFIGURED_URL, current_url, source_urls
    from kzfeed.pipeline._normalise import split_paragraphs
    from kzfeed.pipeline._reclassify import reclassify
    from kzfeed.pipeline._render import render
    from kzfeed.pipeline._run import Pipeline, build_classifier, build_sources, fetch_policy

__all__ = [
    "CONFIGURED_URL",
    "Pipeline",
    "build_classifier",
    "build_sources",
    "current_url",
    "fetch_policy",
    "reclassify",
    "render",
    "source_urls",
    "split_paragraphs",
]

if not TYPE_CHECKING:  # mypy checks the names imported above
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "_health": "CONFIGURED_URL current_url source_urls",
            "_normalise": "split_paragraphs",
            "_reclassify": "reclassify",
            "_render": "render",
            "_run": "Pipeline build_classifier build_sources fetch_policy",
        },
    )
