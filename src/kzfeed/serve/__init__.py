"""``kzfeed serve``: HTTP serving of ``public/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kzfeed._lazy import lazy_names

if TYPE_CHECKING:
    from kzfeed.serve._server import make_server

__all__ = ["make_server"]

if not TYPE_CHECKING:  # mypy checks the names imported above
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "_server": "make_server",
        },
    )
