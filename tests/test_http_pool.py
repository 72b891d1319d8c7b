"""The fetcher's connection pool: httpcore's own decisions (which connection a request gets,
which are kept alive, which are closed), at a cost that grows with the connections kept, not
with their square (a run of many feeds, each on its own host, spent most of its fetching CPU in
httpcore's bookkeeping)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import httpcore
import httpx
import pytest
from httpcore._sync.connection import HTTPConnection

from hostserver import PoliteSites
from kzfeed.http import AllowList
from kzfeed.http._guard import GuardedTransport
from kzfeed.http._pool import LinearPool


@pytest.fixture(scope="module")
def sites() -> Iterator[PoliteSites]:
    with PoliteSites(24, delay=0) as running:
        yield running


def _state(pool: httpcore.ConnectionPool) -> list[tuple[str, bool, str]]:
    """Each connection of the pool, in its order: origin, idle, and its description (the
    number of requests it carried)."""
    return [(str(c._origin), c.is_idle(), c.info()) for c in pool.connections]  # type: ignore[attr-defined]


def _drive(pool: httpcore.ConnectionPool, sites: PoliteSites) -> list[list[tuple[str, bool, str]]]:
    """Requests to the sites in an order with repeats (keep-alive reused), several responses
    held open at once (the pool full: an idle connection closed to make room); the pool's
    connections after each step."""
    seen = []
    order = [0, 1, 2, 0, 3, 4, 5, 6, 1, 7, 8, 9, 10, 2, 11, 0, 12, 13, 5, 14, 15, 16, 9, 17]
    for at, site in enumerate(order):
        with ExitStack() as held:
            for extra in range(at % 3):  # 0-2 other responses open meanwhile
                other = sites.netloc(order[(at + 5 + extra) % len(order)])
                held.enter_context(pool.stream("GET", f"http://{other}/robots.txt")).read()
                seen.append(_state(pool))
            pool.request("GET", f"http://{sites.netloc(site)}/feed-{site}.xml")
            seen.append(_state(pool))
        seen.append(_state(pool))
    return seen


@pytest.mark.parametrize(("keepalive", "most"), [(4, 3), (8, None), (50, None)])
def test_the_pool_decides_as_httpcores(sites: PoliteSites, keepalive: int, most: int | None) -> None:
    made = []
    for kind in (httpcore.ConnectionPool, LinearPool):
        with kind(max_keepalive_connections=keepalive, max_connections=most, keepalive_expiry=60) as pool:
            made.append(_drive(pool, sites))
    assert made[0] == made[1]
    assert any(len(step) > 1 for step in made[0])  # several connections at once were compared


def test_a_request_costs_what_the_connections_kept_cost(
    sites: PoliteSites, monkeypatch: pytest.MonkeyPatch
) -> None:
    transport = GuardedTransport(AllowList(["127.0.0.0/24"]))
    with httpx.Client(transport=transport) as client:
        for n in range(len(sites.hosts)):  # one connection kept alive per site
            client.get(f"http://{sites.netloc(n)}/robots.txt")
        kept = len(transport._pool.connections)
        assert kept == len(sites.hosts)
        calls = 0
        inner = HTTPConnection.is_idle

        def counted(self: HTTPConnection) -> bool:
            nonlocal calls
            calls += 1
            return inner(self)

        monkeypatch.setattr(HTTPConnection, "is_idle", counted)
        client.get(f"http://{sites.netloc(0)}/feed-0.xml")
    # two passes of the pool (the request queued, its response closed), each looking at every
    # connection a few times; httpcore 1.0.9's pass counted them all again for each idle one
    assert calls <= 4 * 2 * kept
