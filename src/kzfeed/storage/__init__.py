"""Storage: the database behind kzfeed (SQLite or PostgreSQL through SQLAlchemy).

Only models go in and out; the tables in ``_schema`` are private to this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kzfeed._lazy import lazy_names

if TYPE_CHECKING:
    from kzfeed.storage._history import last_runs, mark_run, mark_stale_runs, unhealthy_sources
    from kzfeed.storage._httpcache import DatabaseHttpCache
    from kzfeed.storage._leases import SourceLeases, open_round, release_leases, round_scope
    from kzfeed.storage._migrate import alembic_config, head_revision
    from kzfeed.storage._retention import PrunePlan, apply_prune, plan_prune
    from kzfeed.storage._schema import include_name, metadata
    from kzfeed.storage._search import search_items
    from kzfeed.storage._store import SaveCounts, Store, open_store
    from kzfeed.storage._stories import save_stories, story_keys

__all__ = [
    "DatabaseHttpCache",
    "PrunePlan",
    "SaveCounts",
    "SourceLeases",
    "Store",
    "alembic_config",
    "apply_prune",
    "head_revision",
    "include_name",
    "last_runs",
    "mark_run",
    "mark_stale_runs",
    "metadata",
    "open_round",
    "open_store",
    "plan_prune",
    "release_leases",
    "round_scope",
    "save_stories",
    "search_items",
    "story_keys",
    "unhealthy_sources",
]

if not TYPE_CHECKING:  # mypy checks the names imported above
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "_httpcache": "DatabaseHttpCache",
            "_history": "last_runs mark_run mark_stale_runs unhealthy_sources",
            "_leases": "SourceLeases open_round release_leases round_scope",
            "_migrate": "alembic_config head_revision",
            "_retention": "PrunePlan apply_prune plan_prune",
            "_schema": "include_name metadata",
            "_search": "search_items",
            "_store": "SaveCounts Store open_store",
            "_stories": "save_stories story_keys",
        },
    )
