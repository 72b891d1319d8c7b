"""Running a source offline: every HTTP request goes to a local server that serves fixture files.

A source class may declare the pages its ``example_config`` fetches::

    class MinistryNews:
        example_config = {"url": "https://www.gov.kz/memleket/entities/mfa/press/news"}
        example_fixtures = {"/memleket/entities/mfa/press/news": "mfa_news.html"}

Fixture files live in the ``fixtures`` folder next to the module that defines the class;
relative paths in ``example_config`` (e.g. a ``files`` source's ``path``) are resolved
against that folder too.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from kzfeed.http import AllowList, Fetcher, FetchPolicy, GuardedTransport, MemoryHttpCache, default_user_agent
from kzfeed.models import RawItem, SourceState
from kzfeed.sources import Source, SourceContext
from kzfeed.testing._httpserver import LocalHTTPServer

__all__ = ["fixtures_dir_of", "offline_fetcher", "run_source", "serve_fixtures"]

_TEST_CONTACT = "https://github.com/kzfeed/kzfeed#tests"


def fixtures_dir_of(source_class: type[Any]) -> Path:
    """The ``fixtures`` folder next to the module that defines ``source_class``."""
    try:
        where = inspect.getfile(source_class)
    except TypeError:  # a module loaded from a file but not (yet) in sys.modules
        where = source_class.fetch.__code__.co_filename
    return Path(where).resolve().parent / "fixtures"


class _LocalTransport(httpx.BaseTransport):
    """Sends every request, whatever its host, to one local server (same path and query)."""

    def __init__(self, base_url: str, allow: AllowList) -> None:
        self._base = httpx.URL(base_url)
        self._inner = GuardedTransport(allow)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host=self._base.host, port=self._base.port)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def offline_fetcher(server: LocalHTTPServer) -> Fetcher:
    """A :class:`~kzfeed.http._client.Fetcher` that sends every request to ``server`` instead of the
    internet (the source still sees the URLs it asked for), with no delay between requests.

    Like every fetcher it refuses non-public addresses; the policy's ``allow_private`` lists
    the server's own address and port, and nothing else."""
    local = httpx.URL(server.base_url)
    policy = FetchPolicy(
        user_agent=default_user_agent(_TEST_CONTACT),
        min_delay=0,
        exempt_loopback=True,
        allow_private=(f"{local.host}:{local.port}",),
    )
    transport = _LocalTransport(server.base_url, AllowList(policy.allow_private))
    return Fetcher(policy, cache=MemoryHttpCache(), transport=transport)


@contextmanager
def serve_fixtures(source_class: type[Any], root: Path | None = None) -> Iterator[LocalHTTPServer]:
    """A running local server for ``source_class``: its fixtures folder (or ``root``), with each
    path of its ``example_fixtures`` answered by the file it names."""
    folder = root if root is not None else fixtures_dir_of(source_class)
    with LocalHTTPServer(root=folder) as server:
        for path, file in dict(getattr(source_class, "example_fixtures", {}) or {}).items():
            server.route(path, file=file)
        yield server


def run_source(
    source: Source,
    *,
    http: Fetcher | None = None,
    root: Path | None = None,
    state: SourceState | None = None,
    refetch: bool = False,
    known: Mapping[str, str] | None = None,
) -> list[RawItem]:
    """Fetch ``source`` once, as a run would, and return the items it yields, in order.

    ``http`` is the client the source gets as ``ctx.http`` (see :func:`offline_fetcher`);
    ``root`` is the folder relative paths are resolved against; ``state`` what is stored
    about the source from earlier runs. What the source raises is raised.
    """
    ctx = SourceContext(
        source=source.name,
        state=state or SourceState(name=source.name),
        log=logging.getLogger(f"kzfeed.source.{source.name}"),
        http=http,
        root=root if root is not None else Path.cwd(),
        refetch=refetch,
        known=dict(known or {}),
    )
    return list(source.fetch(ctx))
