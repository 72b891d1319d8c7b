"""Rendering after a run, or alone (``kzfeed render``): apart from ``_run`` so that rendering
imports neither the fetcher nor the article extractor."""

from __future__ import annotations

from pathlib import Path

from kzfeed.config import Config
from kzfeed.storage import StoreProtocol

__all__ = ["render"]


def render(config: Config, store: StoreProtocol, *, full: bool = False) -> list[Path]:
    """Write the feeds and pages to ``config.output_dir`` (see ``kzfeed.publish._write``);
    ``full``: every item page too, not only those whose item changed."""
    from kzfeed.publish import publish

    return publish(config, store, full=full)
