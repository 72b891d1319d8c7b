"""Many sites on loopback addresses (127.0.0.2, 127.0.0.3, ...) that measure how politely they
are fetched: per Host header, how many requests were being answered at once at most, and how
close together two requests arrived. For the tests of several workers sharing one database.

Every site answers ``/robots.txt`` (allowing everything), ``/feed-<n>.xml`` (an RSS feed of two
items that belong to source ``n``) and ``/page-<n>.html`` (a small article page), each after
``delay`` seconds, so that requests overlap unless the client keeps them apart.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

__all__ = ["PoliteSites"]

_FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Site {n}</title><link>http://example.org/</link>
<description>test</description>
<item><guid>feed-{n}-a</guid><title>Kazakhstan and the EU sign a lithium memorandum ({n} a)</title>
<link>http://example.org/{n}/a</link><description>Astana and Brussels agreed on raw materials.</description></item>
<item><guid>feed-{n}-b</guid><title>EU investment in Kazakh hydrogen grows ({n} b)</title>
<link>http://example.org/{n}/b</link><description>Kazakhstan and the European Union work on energy.</description></item>
</channel></rss>"""
_PAGE = (
    "<html><head><title>Page {n}</title></head><body><p>Kazakhstan and the EU, page {n}.</p></body></html>"
)


class PoliteSites:
    """``sites`` HTTP servers, one per loopback address from 127.0.0.2 on, in this process."""

    def __init__(self, sites: int, *, delay: float) -> None:
        self.delay = delay
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self.arrivals: dict[str, list[float]] = defaultdict(list)  # Host header -> monotonic times
        # Host header -> the system's wall clock (``time.time()``): the clock a PostgreSQL server
        # on this machine reads with ``clock_timestamp()``
        self.arrived_at: dict[str, list[float]] = defaultdict(list)
        self.paths: dict[str, list[str]] = defaultdict(list)  # Host header -> paths asked for
        self._in_flight: dict[str, int] = defaultdict(int)
        self.max_in_flight: dict[str, int] = defaultdict(int)
        self.hosts = [f"127.0.0.{2 + n}" for n in range(sites)]

    def start(self) -> Self:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return None

            def do_GET(self) -> None:
                owner._answer(self)

        for address in self.hosts:
            server = ThreadingHTTPServer((address, 0), Handler)
            server.daemon_threads = True
            thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def netloc(self, site: int) -> str:
        """``address:port`` of site ``site``."""
        host, port = self._servers[site].server_address[:2]
        return f"{host}:{port}"

    def min_spacing(self, host: str) -> float:
        """The shortest time between two requests' arrivals at ``host`` (inf for fewer than two)."""
        times = sorted(self.arrivals[host])
        return min((b - a for a, b in itertools.pairwise(times)), default=float("inf"))

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        host = handler.headers.get("Host", "")
        with self._lock:
            self.arrivals[host].append(time.monotonic())
            self.arrived_at[host].append(time.time())
            self.paths[host].append(handler.path)
            self._in_flight[host] += 1
            self.max_in_flight[host] = max(self.max_in_flight[host], self._in_flight[host])
        try:
            time.sleep(self.delay)
            body, content_type = self._body(handler.path)
        finally:
            # counted as answered before the answer is sent: the client holds its turn until
            # it has read it, so this count never exceeds the client's
            with self._lock:
                self._in_flight[host] -= 1
        handler.send_response(200 if body is not None else 404)
        data = (body or "not found").encode()
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    @staticmethod
    def _body(path: str) -> tuple[str | None, str]:
        if path == "/robots.txt":
            return "User-agent: *\nAllow: /\n", "text/plain"
        name = path.lstrip("/")
        if name.startswith("feed-") and name.endswith(".xml"):
            return _FEED.format(n=name[5:-4]), "application/rss+xml"
        if name.startswith("page-") and name.endswith(".html"):
            return _PAGE.format(n=name[5:-5]), "text/html; charset=utf-8"
        return None, "text/plain"
