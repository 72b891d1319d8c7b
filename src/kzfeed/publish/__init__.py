"""Publishing: everything written to ``public/`` (Atom, RSS, JSON Feed, archives, pages, OPML, the operator feed)."""

from __future__ import annotations

from kzfeed.publish._opml import Subscription, read_opml, render_opml
from kzfeed.publish._opsfeed import render_ops_atom
from kzfeed.publish._write import publish, write_outputs

__all__ = ["Subscription", "publish", "read_opml", "render_opml", "render_ops_atom", "write_outputs"]
