"""Publishing: everything written to ``public/`` (Atom, RSS, JSON Feed, archives, pages, OPML, the operator feed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kzfeed._lazy import lazy_names

if TYPE_CHECKING:
    from kzfeed.publish._opml import Subscription, read_opml, render_opml
    from kzfeed.publish._opsfeed import render_ops_atom
    from kzfeed.publish._pages import feed_page_path
    from kzfeed.publish._publish import publish
    from kzfeed.publish._write import write_outputs

__all__ = [
    "Subscription",
    "feed_page_path",
    "publish",
    "read_opml",
    "render_opml",
    "render_ops_atom",
    "write_outputs",
]

if not TYPE_CHECKING:  # mypy checks the names imported above
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "_opml": "Subscription read_opml render_opml",
            "_opsfeed": "render_ops_atom",
            "_pages": "feed_page_path",
            "_publish": "publish",
            "_write": "write_outputs",
        },
    )
