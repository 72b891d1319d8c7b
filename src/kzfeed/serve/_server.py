"""Serving ``public/`` over HTTP (``kzfeed serve``): the right content types, ETag and
Last-Modified with 304 answers, gzip when the client asks, and nothing outside the folder.

The HTTP server is waitress (a production WSGI server): a fixed pool of worker threads
answers requests while idle and slow connections wait in its event loop, so 400 idle
connections cost no thread; it caps connections, closes idle ones, and answers a malformed
request with 400 itself. This module is the WSGI application: it resolves the path, picks the
content type and answers conditional requests. A browser that asks for a feed's address
(``Accept`` prefers ``text/html`` to the feed's type) gets the feed's HTML page instead
(``Vary: Accept``, its own ETag); a feed reader gets the feed. Gzipped bodies are made once per version of a
file and kept (bounded), not compressed again on every request.

The files are static: any web server in front of ``public/`` does the same (docs/feeds.md).
"""

from __future__ import annotations

import email.utils
import gzip
import logging
import os
import posixpath
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from kzfeed.errors import InputError

__all__ = [
    "CONTENT_TYPES",
    "FeedFiles",
    "FeedServer",
    "ServerLimits",
    "make_server",
    "prefers_html",
    "resolve_path",
]

log = logging.getLogger("kzfeed.serve._server")

CONTENT_TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".xsl": "text/xsl; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
}
_FEEDS = {".atom", ".rss", ".json"}
#: what a feed reader may ask for, least preferred first (on a tie the feed wins over the page)
_FEED_TYPES = ["application/xml", "text/xml", "application/json"]
_COMPRESSIBLE = {".atom", ".rss", ".json", ".opml", ".xsl", ".html", ".css", ".txt", ".xml"}
_MAX_PATH = 2048  # characters of a request path; longer ones are refused with 414
_GZIP_CACHE_BYTES = 64_000_000

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerLimits:
    """How much one ``kzfeed serve`` takes on."""

    threads: int = 4  # requests answered at once (idle connections use no thread)
    connection_limit: int = 200  # open connections; more wait in the listen backlog
    channel_timeout: int = 30  # seconds an idle connection is kept
    backlog: int = 1024  # connections the kernel queues before they are accepted
    gzip_cache_bytes: int = _GZIP_CACHE_BYTES  # gzipped bodies kept in memory


def resolve_path(root: Path, url_path: str) -> Path | None:
    """The file under ``root`` that ``url_path`` names, or None when it names nothing there:
    ``..`` segments (also percent-encoded), backslashes, NUL bytes and symlinks that lead out
    of ``root`` are all refused, and so is any name the file system cannot look up (too long,
    not encodable). A folder gives its ``index.html``."""
    path = unquote(urlsplit(url_path).path)
    if "\x00" in path or "\\" in path or not path.startswith("/"):
        return None
    parts = path.split("/")
    if any(p in ("..", ".") for p in parts):
        return None
    if any(p.startswith(".") for p in parts if p):  # hidden and temporary files
        return None
    try:
        base = root.resolve()
        target = (base / posixpath.normpath(path).lstrip("/")).resolve()
        if target != base and base not in target.parents:
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None
    except (OSError, ValueError):  # a 300-character segment, a name the file system refuses
        return None


class _GzipCache:
    """Gzipped bodies by (path, size, mtime): each version of a file is compressed once."""

    def __init__(self, max_bytes: int) -> None:
        self._max = max_bytes
        self._entries: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.compressed = 0  # how many times a body was compressed (for tests and statistics)

    def get(self, file: Path, stat: os.stat_result, data: bytes) -> bytes:
        key = (str(file), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        packed = gzip.compress(data, compresslevel=6, mtime=0)
        with self._lock:
            self.compressed += 1
            if key not in self._entries and len(packed) <= self._max:
                self._entries[key] = packed
                self._size += len(packed)
                while self._size > self._max:
                    _, dropped = self._entries.popitem(last=False)
                    self._size -= len(dropped)
        return packed


class FeedFiles:
    """The WSGI application: GET and HEAD of the files of one folder."""

    def __init__(self, root: Path, *, gzip_cache_bytes: int = _GZIP_CACHE_BYTES) -> None:
        self.root = root.resolve()
        self.gzip = _GzipCache(gzip_cache_bytes)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            return self._answer(environ, start_response)
        except Exception:  # never a traceback to the client or a dropped connection
            log.exception("error while answering %s", environ.get("PATH_INFO"))
            return _error(start_response, HTTPStatus.INTERNAL_SERVER_ERROR, "the server failed", environ)

    def _answer(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return _error(start_response, HTTPStatus.METHOD_NOT_ALLOWED, "only GET and HEAD", environ)
        # the path as sent (percent-escapes included): resolve_path decodes it once
        raw = str(environ.get("REQUEST_URI") or environ.get("PATH_INFO") or "/")
        if len(raw) > _MAX_PATH:
            return _error(start_response, HTTPStatus.REQUEST_URI_TOO_LONG, "the address is too long", environ)
        file = resolve_path(self.root, raw)
        if file is None:
            return _error(start_response, HTTPStatus.NOT_FOUND, "no such file", environ)
        try:
            stat = file.stat()
            data = file.read_bytes()
        except OSError:
            return _error(start_response, HTTPStatus.NOT_FOUND, "no such file", environ)
        suffix = file.suffix.lower()
        page = self._page_for(file, suffix, environ.get("HTTP_ACCEPT", ""))
        if page is not None:
            file, stat, data = page
        wants_gzip = suffix in _COMPRESSIBLE and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        etag = (
            f'"{stat.st_size:x}-{stat.st_mtime_ns:x}{"-page" if page else ""}{"-gz" if wants_gzip else ""}"'
        )
        headers = [
            ("ETag", etag),
            ("Last-Modified", email.utils.formatdate(int(stat.st_mtime), usegmt=True)),
            ("Cache-Control", "public, max-age=300"),
            ("Vary", "Accept-Encoding, Accept" if suffix in _FEEDS else "Accept-Encoding"),
        ]
        if _not_modified(
            environ.get("HTTP_IF_NONE_MATCH"), environ.get("HTTP_IF_MODIFIED_SINCE"), etag, stat
        ):
            start_response("304 Not Modified", headers)
            return []
        if wants_gzip:
            data = self.gzip.get(file, stat, data)
            headers.append(("Content-Encoding", "gzip"))
        if page is not None:
            content_type = CONTENT_TYPES[".html"]
        else:
            content_type = _content_type(suffix, environ.get("HTTP_ACCEPT", ""))
        headers += [("Content-Type", content_type), ("Content-Length", str(len(data)))]
        start_response("200 OK", headers)
        return [] if method == "HEAD" else [data]

    def _page_for(self, feed: Path, suffix: str, accept: str) -> tuple[Path, os.stat_result, bytes] | None:
        """The HTML page of ``feed`` (path, stat, bytes) when the client prefers a page to the
        feed (a browser); None for a feed reader, or when the page is not there (public/
        written by an older kzfeed: the browser then gets the feed and its XSL stylesheet)."""
        if suffix not in _FEEDS or not prefers_html(accept, CONTENT_TYPES[suffix].split(";")[0]):
            return None
        from kzfeed.publish import feed_page_path  # late: only a browser on a feed needs it

        page = resolve_path(self.root, "/" + feed_page_path(feed.relative_to(self.root).as_posix()))
        if page is None:
            return None
        try:
            return page, page.stat(), page.read_bytes()
        except OSError:
            return None


def prefers_html(accept: str, feed_type: str) -> bool:
    """Whether an Accept header prefers ``text/html`` to ``feed_type`` (and to XML and JSON):
    true for browsers, false for feed readers, for ``*/*`` and for no header at all. A
    malformed header counts as a feed reader's."""
    import mimeparse  # late: only feed requests need it

    if "html" not in accept:
        return False
    try:
        return bool(mimeparse.best_match(["text/html", *_FEED_TYPES, feed_type], accept) == "text/html")
    except (ValueError, IndexError, mimeparse.MimeTypeParseException):
        return False


def _error(
    start_response: StartResponse, status: HTTPStatus, message: str, environ: dict[str, Any]
) -> list[bytes]:
    data = f"{status.value} {status.phrase}: {message}\n".encode()
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))]
    if status == HTTPStatus.METHOD_NOT_ALLOWED:
        headers.append(("Allow", "GET, HEAD"))
    start_response(f"{status.value} {status.phrase}", headers)
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [data]


def _content_type(suffix: str, accept: str) -> str:
    # Browsers show application/atom+xml and rss+xml as raw text and never apply the feed's
    # XSL stylesheet; a browser asking for a page (text/html, no feed type) gets the same
    # bytes as application/xml, which it renders through the stylesheet. Feed readers ask
    # for the feed types (or */*) and get them.
    if suffix in _FEEDS and "text/html" in accept and "atom+xml" not in accept and "rss+xml" not in accept:
        return "application/xml; charset=utf-8"
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip; a malformed one is read as well as it
    can be (a weight that is not a number counts as 1), never an error."""
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip", "*"):
            for param in params.split(";"):
                key, _, value = param.strip().partition("=")
                if key.strip().lower() == "q":
                    try:
                        return float(value.strip()) > 0
                    except ValueError:
                        return True
            return True
    return False


def _not_modified(
    if_none_match: str | None, if_modified_since: str | None, etag: str, stat: os.stat_result
) -> bool:
    if if_none_match is not None:
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if if_modified_since:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        try:
            return int(stat.st_mtime) <= since.timestamp()
        except (OverflowError, ValueError, OSError):
            return False
    return False


class FeedServer:
    """A running ``kzfeed serve``: waitress listening on one address with :class:`FeedFiles`."""

    def __init__(self, server: Any, app: FeedFiles) -> None:
        self._server = server
        self.app = app

    @property
    def server_address(self) -> tuple[str, int]:
        return str(self._server.effective_host), int(self._server.effective_port)

    def serve_forever(self) -> None:
        """Answer requests until :meth:`shutdown` (from another thread) or Ctrl-C."""
        self._server.run()

    def shutdown(self) -> None:
        """Stop serving: close the listening socket and every connection (thread-safe)."""
        server = self._server

        def close_all() -> None:
            for channel in list(server._map.values()):
                channel.close()

        trigger = server.trigger
        try:
            trigger.pull_trigger(close_all)
        except OSError:
            # waitress appends the thunk, then writes to its pipe: a loop already awake (another
            # thread pulled the trigger as a response was ready) may run close_all in between,
            # which closes the pipe before the write. Then it is done; anything else is not.
            if not trigger._closed:
                raise

    def server_close(self) -> None:
        """Stop the worker threads (after :meth:`serve_forever` returned)."""
        self._server.task_dispatcher.shutdown()


def make_server(
    root: Path, host: str = "127.0.0.1", port: int = 8080, limits: ServerLimits | None = None
) -> FeedServer:
    """An HTTP server of the files under ``root`` (not started: call ``serve_forever``)."""
    from waitress.server import create_server  # late: only `kzfeed serve` needs it

    if not root.is_dir():
        raise InputError(f"folder {str(root)!r} not found; run 'kzfeed run' or 'kzfeed render' first")
    limits = limits or ServerLimits()
    app = FeedFiles(root, gzip_cache_bytes=limits.gzip_cache_bytes)
    try:
        server = create_server(
            app,
            host=host,
            port=port,
            threads=limits.threads,
            connection_limit=limits.connection_limit,
            channel_timeout=limits.channel_timeout,
            backlog=limits.backlog,
            ident="kzfeed",
            clear_untrusted_proxy_headers=True,
        )
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port") from exc
    return FeedServer(server, app)
