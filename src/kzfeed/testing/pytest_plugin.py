"""kzfeed's pytest plugin for plugin authors, registered through the ``pytest11`` entry point.

Fixtures (kzfeed is imported only when a test asks for one):

- ``kzfeed_plugins``: the plugins under test; override it in your ``conftest.py``
  (``return [my_plugin_module]``). Default: none.
- ``kzfeed_host``: a plugin host with kzfeed's built-ins and ``kzfeed_plugins``, and no
  installed plugins, so what else is installed cannot change your tests.
- ``kzfeed_db``: a :class:`kzfeed.storage.Store` on a fresh SQLite file.
- ``kzfeed_fixtures_dir``: the folder of your fixture files; default ``fixtures/`` next to
  the test file. Override it to point at your package's fixtures.
- ``kzfeed_http``: a :class:`~kzfeed.testing._httpserver.LocalHTTPServer` on 127.0.0.1
  serving ``kzfeed_fixtures_dir``; the test fails if the server itself failed.
- ``run_source``: ``run_source("my-type", {"url": ...})`` builds a source of a registered
  type (or takes a built source) and returns the items one fetch yields. Every HTTP request,
  whatever its host, is answered by ``kzfeed_http``: tests never touch the internet.
- ``frozen_clock``: stops :func:`kzfeed.clock.now` at 2025-03-14 09:00 UTC; ``set()`` and
  ``advance()`` move it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from kzfeed.models import RawItem, SourceState
    from kzfeed.plugins import PluginHost
    from kzfeed.storage import Store
    from kzfeed.testing._httpserver import LocalHTTPServer

__all__ = ["FrozenClock"]

FROZEN_AT = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


class FrozenClock:
    """A clock that stands still until told to move."""

    def __init__(self, at: datetime = FROZEN_AT) -> None:
        self.set(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        """Stop the clock at ``at`` (timezone-aware)."""
        if at.tzinfo is None:
            raise ValueError(
                "the frozen clock needs a timezone-aware datetime, e.g. datetime(..., tzinfo=UTC)"
            )
        self._at = at.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward, e.g. ``advance(minutes=30)``; returns the new time."""
        self._at += timedelta(**delta)
        return self._at


@pytest.fixture
def kzfeed_plugins() -> list[object]:
    """The plugins under test (modules or objects with hook implementations). Override it."""
    return []


@pytest.fixture
def kzfeed_host(kzfeed_plugins: list[object]) -> PluginHost:
    """A plugin host with the built-ins and ``kzfeed_plugins``, without installed plugins."""
    from kzfeed.plugins import make_plugin_host

    extra = [(_plugin_name(p), p) for p in kzfeed_plugins]
    host = make_plugin_host(entry_points=False, extra=extra)
    assert not host.failures, "; ".join(f"plugin {f.name!r}: {f.error}" for f in host.failures)
    return host


def _plugin_name(plugin: object) -> str:
    name = getattr(plugin, "__name__", None) or type(plugin).__name__
    return str(name).rsplit(".", 1)[-1]


@pytest.fixture
def kzfeed_db(tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty database in a fresh SQLite file."""
    from kzfeed.storage import open_store

    store = open_store(f"sqlite:///{tmp_path / 'kzfeed-test.db'}")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def kzfeed_fixtures_dir(request: pytest.FixtureRequest) -> Path:
    """The folder of fixture files: ``fixtures/`` next to the test file. Override it."""
    return Path(request.path).parent / "fixtures"


@pytest.fixture
def kzfeed_http(kzfeed_fixtures_dir: Path) -> Iterator[LocalHTTPServer]:
    """A local HTTP server serving ``kzfeed_fixtures_dir``; routes and requests start empty."""
    from kzfeed.testing._httpserver import LocalHTTPServer

    with LocalHTTPServer(root=kzfeed_fixtures_dir) as server:
        yield server
    assert not server.errors, f"the test HTTP server failed while answering: {server.errors!r}"


RunSource = Callable[..., "list[RawItem]"]


@pytest.fixture
def run_source(
    kzfeed_host: PluginHost, kzfeed_http: LocalHTTPServer, kzfeed_fixtures_dir: Path
) -> Iterator[RunSource]:
    """``run_source(type_or_source, options=None, *, name="test", state=None, refetch=False)``:
    the items one fetch yields, every HTTP request answered by ``kzfeed_http``."""
    from kzfeed.testing._sources import offline_fetcher
    from kzfeed.testing._sources import run_source as run

    http = offline_fetcher(kzfeed_http)

    def fetch(
        source: Any,
        options: Mapping[str, Any] | None = None,
        *,
        name: str = "test",
        state: SourceState | None = None,
        refetch: bool = False,
    ) -> list[RawItem]:
        if isinstance(source, str):
            types = kzfeed_host.source_types()
            if source not in types:
                raise LookupError(
                    f"no source type {source!r} (registered: {', '.join(sorted(types))}); "
                    "add your plugin to the kzfeed_plugins fixture"
                )
            source = types[source](name, dict(options or {}))
        return run(source, http=http, root=kzfeed_fixtures_dir, state=state, refetch=refetch)

    try:
        yield fetch
    finally:
        http.close()


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """Stops :func:`kzfeed.clock.now` (run times, first-seen dates) at 2025-03-14 09:00 UTC."""
    from kzfeed import clock

    frozen = FrozenClock()
    monkeypatch.setattr(clock, "now", frozen.now)
    return frozen
