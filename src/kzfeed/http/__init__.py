"""The polite HTTP client every web source fetches through: caching, per-host limits, robots.txt, back-off."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from kzfeed._lazy import lazy_names

if "httpx" not in sys.modules:
    # httpx's package imports its command-line client (``httpx._main``), which imports click,
    # Pygments and rich when they are installed (Pygments comes with pytest: 0.6 MiB, 11,000
    # objects), and falls back to a stub when one is missing; kzfeed never runs that client, so
    # httpx gets the stub at once (a ``None`` in ``sys.modules`` is what an import refuses)
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

if TYPE_CHECKING:
    from kzfeed.http._allow import AllowList, address_problem
    from kzfeed.http._cache import CacheEntry, HttpCache, MemoryHttpCache, StagedHttpCache, next_attempt_after
    from kzfeed.http._client import Fetcher, FetchResult
    from kzfeed.http._decode import decode_text
    from kzfeed.http._guard import GuardedTransport
    from kzfeed.http._policy import FetchPolicy, default_user_agent
    from kzfeed.http._polite import FleetPoliteness
    from kzfeed.http._urls import canonical_url, is_same_site

__all__ = [
    "AllowList",
    "CacheEntry",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "FleetPoliteness",
    "GuardedTransport",
    "HttpCache",
    "MemoryHttpCache",
    "StagedHttpCache",
    "address_problem",
    "canonical_url",
    "decode_text",
    "default_user_agent",
    "is_same_site",
    "next_attempt_after",
]

if not TYPE_CHECKING:  # mypy checks the names imported above
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "_cache": "CacheEntry HttpCache MemoryHttpCache StagedHttpCache next_attempt_after",
            "_client": "Fetcher FetchResult",
            "_decode": "decode_text",
            "_policy": "FetchPolicy default_user_agent",
            "_polite": "FleetPoliteness",
            "_allow": "AllowList address_problem",
            "_guard": "GuardedTransport",
            "_urls": "canonical_url is_same_site",
        },
    )
