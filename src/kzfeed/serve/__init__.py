"""``kzfeed serve``: HTTP serving of ``public/``."""

from __future__ import annotations

from kzfeed.serve._server import make_server

__all__ = ["make_server"]
