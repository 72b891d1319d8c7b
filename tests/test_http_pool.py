"""The fetcher's connection pool: httpcore's own decisions (which connection a request gets,
which are kept alive, which are closed), at a cost that grows with the connections kept, not
with their square (a run of many feeds, each on its own host, spent most of its fetching CPU in
httpcore's bookkeeping)."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack

import httpcore
import httpx
import pytest
from httpcore._sync.connection import HTTPConnection

from hostserver import PoliteSites
from kzfeed.http import AllowList, _pool
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
        calls = _counted(monkeypatch, "is_idle")
        client.get(f"http://{sites.netloc(0)}/feed-0.xml")
    # two passes of the pool (the request queued, its response closed), each looking at every
    # connection a few times; httpcore 1.0.9's pass counted them all again for each idle one
    assert calls[0] <= 4 * 2 * kept


def test_idle_connections_are_asked_whether_they_expired_once_a_sweep(
    sites: PoliteSites, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_pool, "SWEEP_EVERY", 3600.0)  # one sweep: the first pass
    transport = GuardedTransport(AllowList(["127.0.0.0/24"]))
    with httpx.Client(transport=transport) as client:
        for n in range(len(sites.hosts)):
            client.get(f"http://{sites.netloc(n)}/robots.txt")
        kept = len(transport._pool.connections)
        calls = _counted(monkeypatch, "has_expired")
        for n in range(10):
            client.get(f"http://{sites.netloc(n)}/feed-{n}.xml")
        assert len(transport._pool.connections) == kept  # each one reused
    # httpcore asks every connection on each of a request's two passes (2 x 24 x 10 = 480):
    # here only the connection a request is about to reuse
    assert calls[0] == 10


def _counted(monkeypatch: pytest.MonkeyPatch, method: str) -> list[int]:
    """Counts the calls of ``HTTPConnection.<method>`` from now on (in the list's one item)."""
    calls = [0]
    inner = getattr(HTTPConnection, method)

    def counted(self: HTTPConnection) -> bool:
        calls[0] += 1
        return bool(inner(self))

    monkeypatch.setattr(HTTPConnection, method, counted)
    return calls


class _ClosingServer:
    """An HTTP/1.1 server on loopback that answers one request per connection and then closes
    it without saying so (no ``Connection: close``), as servers do with idle keep-alive."""

    def __init__(self) -> None:
        self.accepted = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")

    def close(self) -> None:
        self._listener.close()


def test_a_connection_the_server_closed_is_not_reused_between_sweeps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pool, "SWEEP_EVERY", 3600.0)  # no sweep after the first pass
    server = _ClosingServer()
    try:
        transport = GuardedTransport(AllowList(["127.0.0.1/32"]))
        with httpx.Client(transport=transport) as client:
            for _ in range(3):
                response = client.get(f"http://127.0.0.1:{server.port}/")
                assert response.text == "ok"
                time.sleep(0.05)  # the server's close has arrived
    finally:
        server.close()
    assert server.accepted == 3


def test_the_tls_context_is_made_for_the_first_https_connection_only(
    sites: PoliteSites, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading the trusted certificates costs ~1.5 MiB: a run that fetches only http URLs
    (here every feed of bench_reader.py) does not load them; the first https connection does,
    once for every connection after it."""
    made = []

    def context() -> ssl.SSLContext:
        made.append(ssl.create_default_context())
        return made[-1]

    monkeypatch.setattr(httpx, "create_ssl_context", context)
    transport = GuardedTransport(AllowList(["127.0.0.0/24"]))
    with httpx.Client(transport=transport) as client:
        for n in range(3):
            client.get(f"http://{sites.netloc(n)}/robots.txt")
        assert made == []
        for n in range(2):  # plain HTTP servers: the TLS handshake fails, after the context is made
            with pytest.raises(httpx.ConnectError):
                client.get(f"https://{sites.netloc(n)}/robots.txt")
    assert len(made) == 1
