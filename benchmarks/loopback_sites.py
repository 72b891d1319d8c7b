"""Many web sites on one machine, for benchmarks: site ``n`` answers on its own loopback address
(127.0.0.2, 127.0.0.3, ...; on Linux all of 127.0.0.0/8 reaches this machine), so that a
client's per-host limits apply per site as they would on the internet.

One asyncio loop in a background thread serves them all from pre-rendered answers with
keep-alive, so the server costs little CPU next to the client it is measuring. It only listens
on loopback addresses.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import threading
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Self

__all__ = ["LoopbackSites", "site_address"]

_FIRST = ipaddress.IPv4Address("127.0.0.2")
_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found"


def site_address(n: int) -> str:
    """The loopback address of site ``n`` (0 → 127.0.0.2)."""
    address = _FIRST + n
    if not address.is_loopback:
        raise ValueError(f"site {n} has no loopback address left")
    return str(address)


class _Answers:
    """The pre-rendered answers of one site: full (200) and, for paths with an ETag, 304."""

    def __init__(self, pages: Mapping[str, tuple[bytes, str, str | None]]) -> None:
        self.full: dict[bytes, bytes] = {}
        self.not_modified: dict[bytes, tuple[bytes, bytes]] = {}
        for path, (body, content_type, etag) in pages.items():
            head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            if etag:
                head += f"ETag: {etag}\r\n"
                answer = f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\n\r\n".encode()
                self.not_modified[path.encode()] = (etag.encode(), answer)
            self.full[path.encode()] = head.encode() + b"\r\n" + body


class _Connection(asyncio.Protocol):
    def __init__(self, sites: LoopbackSites, answers: _Answers) -> None:
        self.sites, self.answers = sites, answers
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.sites.open.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.sites.open.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            target = lines[0].split(b" ")[1].split(b"?")[0]
            self.sites.requests += 1
            answer = self.answers.full.get(target, _NOT_FOUND)
            if self.sites.conditional and target in self.answers.not_modified:
                etag, not_modified = self.answers.not_modified[target]
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"if-none-match" and etag in value:
                        answer = not_modified
                        self.sites.not_modified += 1
                        break
            assert self.transport is not None
            self.transport.write(answer)


class LoopbackSites:
    """Serve ``sites[n]`` (``{path: (body, content type, ETag or None)}``) on
    ``site_address(n)``; use as a context manager. ``conditional = False`` makes every
    site ignore If-None-Match (the baseline of a client without conditional requests)."""

    def __init__(
        self, sites: Sequence[Mapping[str, tuple[bytes, str, str | None]]], *, conditional: bool = True
    ):
        self._answers = [_Answers(pages) for pages in sites]
        self.conditional = conditional
        self.requests = 0
        self.not_modified = 0
        self.ports: list[int] = []
        self.open: set[asyncio.Transport] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="loopback-sites", daemon=True)
        self._servers: list[asyncio.Server] = []

    def base_url(self, n: int) -> str:
        return f"http://{site_address(n)}:{self.ports[n]}"

    @property
    def allow_private(self) -> list[str]:
        """The ``[fetch] allow_private`` entries that let kzfeed fetch these sites (and nothing
        else on this machine): ``["127.0.0.2:PORT", ...]``."""
        return [f"{site_address(n)}:{port}" for n, port in enumerate(self.ports)]

    def __enter__(self) -> Self:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result()
        return self

    async def _listen(self) -> None:
        for n, answers in enumerate(self._answers):
            server = await self._loop.create_server(
                functools.partial(_Connection, self, answers), site_address(n), 0, backlog=64
            )
            self._servers.append(server)
            self.ports.append(server.sockets[0].getsockname()[1])

    async def _close(self) -> None:
        for server in self._servers:
            server.close()
        for transport in list(self.open):  # idle keep-alive connections
            transport.close()
        for server in self._servers:
            await server.wait_closed()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
