"""A real HTTP server on 127.0.0.1 for offline tests of sources and the fetcher.

It serves the files of a directory and, per path, whatever a test sets up: a status, headers
(ETag, Cache-Control, Retry-After, Content-Type with a charset, ...), a delay, a redirect,
gzip, raw body bytes, and 304 answers to conditional requests. It records every request::

    from kzfeed.testing._httpserver import LocalHTTPServer

    with LocalHTTPServer(root="tests/data/http") as server:
        server.route("/feed.xml", headers={"ETag": '"v1"'}, conditional=True)
        server.redirect("/old", "/feed.xml", status=301)
        ...  # fetch server.url("/old") twice
        assert server.requests_to("/feed.xml")[1].headers["if-none-match"] == '"v1"'

Paths are matched without their query string. A path with no route serves the file of the
same name under ``root`` (404 when there is none).
"""

from __future__ import annotations

import contextlib
import email.utils
import gzip as gzip_codec
import mimetypes
import os
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import unquote, urlsplit

__all__ = ["LocalHTTPServer", "RecordedRequest", "Route"]

_TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
    ".json": "application/json",
    ".opml": "text/x-opml",
}
_NO_BODY = frozenset({204, 304})


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """How the server answers one path; see :meth:`LocalHTTPServer.route` for the fields."""

    status: int = 200
    body: bytes | None = None
    file: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = None
    delay: float = 0.0
    gzip: bool = False
    conditional: bool = False
    content_length: bool = True

    def header(self, name: str) -> str | None:
        """The value of one of the route's headers, whatever its case."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedRequest:
    """One request the server received."""

    method: str
    #: the path with its query string, as sent
    path: str
    #: the request headers, lower-case names (repeated headers joined with ", ")
    headers: dict[str, str]
    #: ``time.monotonic()`` when the request had been read
    arrived: float


class LocalHTTPServer:
    """An HTTP/1.1 server on ``127.0.0.1`` and a free port, one thread per connection.

    Use it as a context manager (or call :meth:`start` and :meth:`stop`). Routes may be
    changed while it runs; every method is thread-safe.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root).resolve() if root is not None else None
        self._routes: dict[str, Route] = {}
        self._requests: list[RecordedRequest] = []
        self._errors: list[BaseException] = []
        self._in_flight = 0
        self._max_in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        """Start serving in a background thread; returns the server."""
        if self._httpd is not None:
            raise RuntimeError("the server is already running")
        self._stopping.clear()
        self._httpd = _Server(("127.0.0.1", 0), _Handler, self)
        # a short poll interval: stop() waits up to one interval for the serving loop to notice
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.02,), name="kzfeed-test-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections and wait for the handler threads to end."""
        if self._httpd is None:
            return
        self._stopping.set()  # wakes up delayed answers
        self._httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # idle keep-alive connections would block their threads
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()  # joins the handler threads
        if self._thread is not None:
            self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- addresses -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        if self._httpd is None:
            raise RuntimeError("the server is not running; use it in a `with` block or call start()")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, path: str = "/") -> str:
        """The absolute URL of ``path`` on this server: ``server.url("/feed.xml")``."""
        return self.base_url + ("" if path.startswith("/") else "/") + path

    # -- routes --------------------------------------------------------------------------------

    def route(
        self,
        path: str,
        *,
        status: int = 200,
        body: bytes | None = None,
        file: str | None = None,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = None,
        delay: float = 0.0,
        gzip: bool = False,
        conditional: bool = False,
        content_length: bool = True,
    ) -> Route:
        """Set how ``path`` is answered (replacing an earlier route for it) and return the route.

        - ``status``: the status code.
        - ``body``: the exact body bytes; else ``file`` (relative to ``root``), else the file
          at ``path``; an error status with neither answers its reason phrase.
        - ``headers``: extra headers sent as given (ETag, Last-Modified, Cache-Control,
          Retry-After, Location, Content-Encoding, ...).
        - ``content_type``: the Content-Type, e.g. ``"text/html; charset=windows-1251"``;
          by default it is guessed from the file name, with no charset.
        - ``delay``: seconds to wait before answering.
        - ``gzip``: compress the body and send ``Content-Encoding: gzip``.
        - ``conditional``: answer 304 (with the route's headers, no body) when the request's
          If-None-Match matches the route's ETag header, or, without If-None-Match, when
          If-Modified-Since is not older than its Last-Modified header.
        - ``content_length``: ``False`` sends no Content-Length and closes the connection
          after the body, so a client cannot know the size before reading it.
        """
        route = Route(
            status=status,
            body=body,
            file=file,
            headers=dict(headers or {}),
            content_type=content_type,
            delay=delay,
            gzip=gzip,
            conditional=conditional,
            content_length=content_length,
        )
        with self._lock:
            self._routes[path] = route
        return route

    def redirect(self, path: str, to: str, *, status: int = 302) -> Route:
        """Answer ``path`` with a redirect (301, 302, 303, 307 or 308) to ``to``, a path or a URL.

        ``to`` is sent in Location as given: a path stays a relative reference."""
        if status not in (301, 302, 303, 307, 308):
            raise ValueError(f"not a redirect status: {status}")
        return self.route(path, status=status, headers={"Location": to}, body=b"")

    def reset(self) -> None:
        """Forget every route, recorded request and the concurrency high-water mark."""
        with self._lock:
            self._routes.clear()
            self._requests.clear()
            self._max_in_flight = self._in_flight

    # -- what happened -------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in order of arrival."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The requests for ``path`` (compared without the query string), in order of arrival."""
        return [r for r in self.requests if urlsplit(r.path).path == path]

    @property
    def max_concurrent(self) -> int:
        """The largest number of requests that were being answered at the same time (from
        their arrival until their answer is written: never more than the client had waiting)."""
        with self._lock:
            return self._max_in_flight

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised while answering (not counting clients that hung up): a server bug."""
        with self._lock:
            return list(self._errors)

    # -- used by the handler -------------------------------------------------------------------

    def _begin(self, request: RecordedRequest) -> Route | None:
        with self._lock:
            self._requests.append(request)
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            return self._routes.get(urlsplit(request.path).path)

    def _end(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _read_file(self, path: str) -> bytes | None:
        if self.root is None:
            return None
        target = (self.root / unquote(path).lstrip("/")).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            return None
        return target.read_bytes()


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins them, so no thread outlives a test
    block_on_close = True

    def __init__(self, address: tuple[str, int], handler: type[_Handler], owner: LocalHTTPServer) -> None:
        super().__init__(address, handler)
        self.owner = owner

    def handle_error(self, request: object, client_address: object) -> None:
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, ConnectionError | TimeoutError):
            with self.owner._lock:
                self.owner._errors.append(exc)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body are written separately: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK hold every keep-alive answer back by ~40 ms
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        owner = self.server.owner
        with owner._lock:
            owner._connections.add(self.connection)
        if owner._stopping.is_set():  # accepted while stop() was cutting connections
            self.connection.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        with self.server.owner._lock:
            self.server.owner._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: object) -> None:
        pass  # tests read server.requests instead

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, *, head: bool) -> None:
        owner = self.server.owner
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        recorded = RecordedRequest(
            method=self.command, path=self.path, headers=headers, arrived=time.monotonic()
        )
        route = owner._begin(recorded) or Route()
        try:
            stopped = bool(route.delay) and owner._stopping.wait(route.delay)
        finally:
            # counted as answered before the answer is written: a client holds its turn until
            # it has read the answer, so this count never exceeds the client's own (counted
            # after, the client's next request could arrive before this thread got to count)
            owner._end()
        if stopped:
            self.close_connection = True
            return
        self._send(route, recorded, head=head)

    def _send(self, route: Route, request: RecordedRequest, *, head: bool) -> None:
        owner = self.server.owner
        path = urlsplit(request.path).path
        status = route.status
        if route.conditional and _not_modified(route, request.headers):
            status = 304
        body = route.body
        if body is None and status not in _NO_BODY:
            body = owner._read_file(route.file or path)
            if body is None and status == 200:
                status = 404
            if body is None:
                body = f"{status} {_phrase(status)}".encode()
        body = b"" if body is None or status in _NO_BODY else body
        headers = dict(route.headers)
        if route.gzip and body:
            body = gzip_codec.compress(body)
            headers["Content-Encoding"] = "gzip"
        self.send_response(status)
        if status not in _NO_BODY:
            if route.header("Content-Type") is None:
                guessed = _TYPES.get(Path(route.file or path).suffix.lower()) or mimetypes.guess_type(path)[0]
                self.send_header("Content-Type", route.content_type or guessed or "application/octet-stream")
            if route.content_length:
                self.send_header("Content-Length", str(len(body)))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)


def _not_modified(route: Route, headers: Mapping[str, str]) -> bool:
    etag, last_modified = route.header("ETag"), route.header("Last-Modified")
    if "if-none-match" in headers:
        tags = [t.strip().removeprefix("W/") for t in headers["if-none-match"].split(",")]
        return etag is not None and ("*" in tags or etag.removeprefix("W/") in tags)
    since = headers.get("if-modified-since")
    if since and last_modified:
        try:
            changed, seen = map(email.utils.parsedate_to_datetime, (last_modified, since))
        except (TypeError, ValueError):
            return False
        return changed <= seen
    return False


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Status"
