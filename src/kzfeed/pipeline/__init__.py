"""One run: collect from the sources, normalise, classify, group into stories, store, record source health."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kzfeed._lazy import lazy_names

if TYPE_CHECKING:
    from kzfeed.pipeline._build import build_classifier, build_sources, config_hash, fetch_policy
    from kzfeed.pipeline._health import source_urls
    from kzfeed.pipeline._reclassify import reclassify
    from kzfeed.pipeline._render import render
    from kzfeed.pipeline._run import Pipeline
    from kzfeed.pipeline._stories import rebuild_stories

__all__ = [
    "Pipeline",
    "build_classifier",
    "build_sources",
    "config_hash",
    "fetch_policy",
    "rebuild_stories",
    "reclassify",
    "render",
    "source_urls",
]

if not TYPE_CHECKING:  # mypy checks the names imported above
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "_health": "source_urls",
            "_reclassify": "reclassify",
            "_render": "render",
            "_build": "build_classifier build_sources config_hash fetch_policy",
            "_run": "Pipeline",
            "_stories": "rebuild_stories",
        },
    )
