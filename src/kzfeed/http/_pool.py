"""httpcore's connection pool with its bookkeeping pass in linear time.

httpcore (1.0.9) runs ``ConnectionPool._assign_requests_to_connections`` twice a request (as it
is queued and as its response is closed), under the pool's lock; for each idle connection it
counts the pool's connections again by building a list of them, so a pass costs the square of
the connections kept. kzfeed keeps up to 50 idle ones (one per host it fetched from in the last
5 s), so on a run of many feeds, each on its own host, most of the fetching threads' CPU went
there (1.38 million ``is_idle`` calls for 300 feeds), holding the interpreter's lock against the
main thread. The fix is upstream's open encode/httpcore#1035; until a release has it, this pass
does the same as httpcore's, step for step (same connections closed, kept and assigned, in the
same order), counting once.

It also polls the idle connections less often. httpcore asks every idle connection whether it
expired on each pass, and for an idle HTTP/1.1 connection that polls its socket (a system
call and eight Python calls): with 50 kept alive, ~100 polls a request, a quarter of the
fetching threads' CPU on a run of feeds that all answer 304. Here every connection is asked at
most once a second (:data:`SWEEP_EVERY`), and the connection a request is about to get is
always asked first, so a connection that expired or that the server closed is never reused;
one that is not reused is closed by the next sweep instead of the next pass.

Its TLS context is made when the first ``https`` connection is (``ssl_context_factory``): loading
the trusted certificates costs ~1.5 MiB and ~20 ms, which a run that fetches only ``http`` URLs
(or nothing at all) need not pay.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpcore

if TYPE_CHECKING:
    import ssl

    from httpcore._sync.interfaces import ConnectionInterface

__all__ = ["SWEEP_EVERY", "LinearPool"]

#: seconds between two passes that ask every connection whether it expired
SWEEP_EVERY = 1.0

#: what the pass uses of httpcore's pool: a release without them keeps httpcore's own pass
_USED = ("_connections", "_requests", "_max_keepalive_connections", "_max_connections", "create_connection")


class LinearPool(httpcore.ConnectionPool):
    """``httpcore.ConnectionPool`` whose bookkeeping pass is linear in its connections."""

    def __init__(
        self, *, ssl_context_factory: Callable[[], ssl.SSLContext] | None = None, **options: Any
    ) -> None:
        super().__init__(**options)
        self._linear = all(hasattr(self, name) for name in _USED)
        self._next_sweep = 0.0
        self._ssl_context_factory = ssl_context_factory

    def create_connection(self, origin: httpcore.Origin) -> ConnectionInterface:
        """httpcore's connection, the TLS context made first if this is the first ``https``
        one (under the pool's lock, as httpcore calls this: made once)."""
        factory = self._ssl_context_factory
        if (
            factory is not None
            and origin.scheme in (b"https", b"wss")
            and getattr(self, "_ssl_context", None) is None
        ):
            self._ssl_context = factory()
        return super().create_connection(origin)

    def _assign_requests_to_connections(self) -> list[ConnectionInterface]:
        if not self._linear:
            return super()._assign_requests_to_connections()
        closing: list[ConnectionInterface] = []
        now = time.monotonic()
        sweep = now >= self._next_sweep
        if sweep:
            self._next_sweep = now + SWEEP_EVERY
        # as httpcore: closed ones dropped, expired ones closed (asked on a sweep), and an idle
        # one closed while the pool holds more connections than max_keepalive_connections
        # (httpcore compares the length of a list of every connection, i.e. their number,
        # rebuilt for each; compared first here, as is_idle only reads the connection's state)
        for connection in list(self._connections):
            if connection.is_closed():
                self._connections.remove(connection)
            elif (sweep and connection.has_expired()) or (
                len(self._connections) > self._max_keepalive_connections and connection.is_idle()
            ):
                self._connections.remove(connection)
                closing.append(connection)
        for pool_request in [request for request in self._requests if request.is_queued()]:
            origin = pool_request.request.url.origin
            available = self._reusable(origin, closing, asked=sweep)
            if available is not None:  # reuse an open connection to the origin
                pool_request.assign_to_connection(available)
                continue
            if len(self._connections) >= self._max_connections:
                idle = next((c for c in self._connections if c.is_idle()), None)
                if idle is None:  # the request waits for a connection
                    continue
                self._connections.remove(idle)
                closing.append(idle)
            connection = self.create_connection(origin)
            self._connections.append(connection)
            pool_request.assign_to_connection(connection)
        return closing

    def _reusable(
        self, origin: httpcore.Origin, closing: list[ConnectionInterface], *, asked: bool
    ) -> ConnectionInterface | None:
        """The first open connection to ``origin`` that can take a request; one that expired
        since the last sweep (``asked``: this pass swept) is closed instead, as httpcore's pass
        would have."""
        for connection in list(self._connections):
            if not (connection.can_handle_request(origin) and connection.is_available()):
                continue
            if asked or not connection.has_expired():
                return connection
            self._connections.remove(connection)
            closing.append(connection)
        return None
