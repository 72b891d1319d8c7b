"""The address guard: kzfeed connects only to public Internet addresses, unless told otherwise.

A feed, a redirect or a sitemap may point anywhere: at ``127.0.0.1``, the operator's private
network or the cloud metadata service at ``169.254.169.254``. Checking the URL is not enough (a
public name can resolve, or be rebound, to a private address), so the check is made where the
connection is opened: :class:`GuardedTransport` resolves the host itself, checks every address
it got and connects to an address it checked, on every request and every redirect hop. What the
operator lets through is an :class:`AllowList` (``[fetch] allow_private``).

The same network layer bounds each request by a deadline (:func:`deadline`): every connect,
read and write is given at most the time left, so a server that sends its headers one byte at a
time is cut off when ``total_timeout`` has passed.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

from kzfeed.http._allow import AllowList, address_problem, plain_host
from kzfeed.http._pool import LinearPool

__all__ = ["AddressRefused", "AllowList", "GuardedTransport", "address_problem", "deadline"]

_DEADLINE: ContextVar[float | None] = ContextVar("kzfeed_http_deadline", default=None)


class AddressRefused(Exception):
    """A connection the guard refused: ``host`` resolves only to non-public addresses."""

    def __init__(self, host: str, port: int, address: str, problem: str) -> None:
        self.host, self.port, self.address, self.problem = host, port, address, problem
        shown = host if host == address else f"{host} ({address})"
        entry = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
        super().__init__(
            f"{shown} is {problem}, not a public Internet address; "
            f'if kzfeed should fetch from it, add "{entry}" to allow_private in [fetch]'
        )


@contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Within the block, every connect, read and write of a :class:`GuardedTransport` in this
    thread ends by ``time.monotonic()`` ``at`` (a timeout error once it has passed)."""
    token = _DEADLINE.set(at)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def deadline_passed() -> bool:
    """Whether the deadline of the current :func:`deadline` block has passed."""
    at = _DEADLINE.get()
    return at is not None and time.monotonic() >= at


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    at = _DEADLINE.get()
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("the total timeout has passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A connection whose reads and writes end by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves the host, refuses what the allow-list does not let through, connects to a checked
    address (so a second DNS answer cannot differ from the one checked)."""

    def __init__(self, allow: AllowList) -> None:
        self._allow = allow
        self._inner = httpcore.SyncBackend()
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._aborted = threading.Event()

    def abort(self) -> None:
        """Cut every open connection (a read blocked on one returns at once) and refuse new ones."""
        with self._lock:
            self._aborted.set()
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _bounded(timeout, httpcore.ConnectTimeout)
        if self._aborted.is_set():
            raise httpcore.ConnectError("the fetcher was aborted")
        try:
            infos = socket.getaddrinfo(plain_host(host), port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        allowed: list[str] = []
        refused: AddressRefused | None = None
        for info in infos:
            text = str(info[4][0]).split("%")[0]  # an IPv6 scope id is not part of the address
            address = ipaddress.ip_address(text)
            if self._allow.allows(host, address, port):
                if text not in allowed:
                    allowed.append(text)
            elif refused is None:
                refused = AddressRefused(plain_host(host), port, text, address_problem(address) or "")
        if not allowed:
            if refused is not None:
                raise refused
            raise httpcore.ConnectError(f"{host} has no address")
        last: Exception | None = None
        for address_text in allowed:
            try:
                stream = self._inner.connect_tcp(
                    address_text,
                    port,
                    _bounded(timeout, httpcore.ConnectTimeout),
                    local_address,
                    socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
                continue
            sock = stream.get_extra_info("socket")
            with self._lock:
                if isinstance(sock, socket.socket):
                    self._sockets.add(sock)
                aborted = self._aborted.is_set()
            if aborted:
                stream.close()
                raise httpcore.ConnectError("the fetcher was aborted")
            return _Stream(stream)
        assert last is not None
        raise last

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("kzfeed does not fetch over Unix sockets")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport (connection pool, TLS, HTTP/1.1) on the guarded network layer. It
    ignores proxy settings in the environment: through a proxy the guard could not see where a
    request goes."""

    def __init__(self, allow: AllowList, *, max_keepalive: int = 50) -> None:
        # httpx.HTTPTransport's own __init__ builds a pool on the plain network layer: not called
        self._backend = _GuardedBackend(allow)
        self._pool = LinearPool(
            ssl_context_factory=httpx.create_ssl_context,  # made for the first https connection
            max_connections=None,
            max_keepalive_connections=max_keepalive,
            keepalive_expiry=5.0,
            network_backend=self._backend,
        )

    def abort(self) -> None:
        """Cut every open connection at once, from any thread; no new one is opened."""
        self._backend.abort()
