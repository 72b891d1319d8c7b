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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpcore

if TYPE_CHECKING:
    from httpcore._sync.interfaces import ConnectionInterface

__all__ = ["LinearPool"]

#: what the pass uses of httpcore's pool: a release without them keeps httpcore's own pass
_USED = ("_connections", "_requests", "_max_keepalive_connections", "_max_connections", "create_connection")


class LinearPool(httpcore.ConnectionPool):
    """``httpcore.ConnectionPool`` whose bookkeeping pass is linear in its connections."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._linear = all(hasattr(self, name) for name in _USED)

    def _assign_requests_to_connections(self) -> list[ConnectionInterface]:
        if not self._linear:
            return super()._assign_requests_to_connections()
        closing: list[ConnectionInterface] = []
        # as httpcore: closed ones dropped, expired ones closed, and an idle one closed while the
        # pool holds more connections than max_keepalive_connections (httpcore compares the
        # length of a list of every connection, i.e. their number, rebuilt for each)
        for connection in list(self._connections):
            if connection.is_closed():
                self._connections.remove(connection)
            elif connection.has_expired() or (
                connection.is_idle() and len(self._connections) > self._max_keepalive_connections
            ):
                self._connections.remove(connection)
                closing.append(connection)
        for pool_request in [request for request in self._requests if request.is_queued()]:
            origin = pool_request.request.url.origin
            available = next(
                (c for c in self._connections if c.can_handle_request(origin) and c.is_available()), None
            )
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
