"""Test kit for kzfeed and its plugins: real components that work offline.

- :mod:`kzfeed.testing.pytest_plugin`: pytest fixtures (loaded automatically where kzfeed is
  installed): ``kzfeed_host``, ``kzfeed_db``, ``kzfeed_http``, ``run_source``, ``frozen_clock``.
- :func:`check_source_contract`: the contract every source type keeps.
- :func:`run_source`, :func:`offline_fetcher`, :func:`serve_fixtures`: run a source offline.
- :class:`LocalHTTPServer`: a real HTTP server on 127.0.0.1.

Names are imported when first used, so loading the pytest plugin costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kzfeed.testing._contract import check_source_contract, item_problems
    from kzfeed.testing._httpserver import LocalHTTPServer
    from kzfeed.testing._scaffold import new_plugin
    from kzfeed.testing._sources import fixtures_dir_of, offline_fetcher, run_source, serve_fixtures

__all__ = [
    "LocalHTTPServer",
    "check_source_contract",
    "fixtures_dir_of",
    "item_problems",
    "new_plugin",
    "offline_fetcher",
    "run_source",
    "serve_fixtures",
    "source_types_of",
]

_WHERE = {
    "LocalHTTPServer": "kzfeed.testing._httpserver",
    "check_source_contract": "kzfeed.testing._contract",
    "item_problems": "kzfeed.testing._contract",
    "fixtures_dir_of": "kzfeed.testing._sources",
    "new_plugin": "kzfeed.testing._scaffold",
    "offline_fetcher": "kzfeed.testing._sources",
    "run_source": "kzfeed.testing._sources",
    "serve_fixtures": "kzfeed.testing._sources",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'kzfeed.testing' has no attribute {name!r}")


def source_types_of(*plugins: object) -> dict[str, type[Any]]:
    """``{type_name: SourceClass}`` that these plugins register (built-ins left out)."""
    from kzfeed.plugins import make_plugin_host

    host = make_plugin_host(
        entry_points=False, builtins=False, extra=[(f"plugin-{n}", p) for n, p in enumerate(plugins)]
    )
    if host.failures:
        raise AssertionError("; ".join(f"{f.name}: {f.error}" for f in host.failures))
    return host.source_types()
