"""Serving ``public/`` over HTTP (``kzfeed serve``): the right content types, ETag and
Last-Modified with 304 answers, gzip when the client asks, and nothing outside the folder.

The files are static: any web server in front of ``public/`` does the same (docs/feeds.md).
"""

from __future__ import annotations

import email.utils
import gzip
import logging
import os
import posixpath
from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kzfeed.errors import InputError

__all__ = ["CONTENT_TYPES", "FeedRequestHandler", "make_server", "resolve_path"]

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
_FEEDS = {".atom", ".rss"}
_COMPRESSIBLE = {".atom", ".rss", ".json", ".opml", ".xsl", ".html", ".css", ".txt", ".xml"}


def resolve_path(root: Path, url_path: str) -> Path | None:
    """The file under ``root`` that ``url_path`` names, or None when it names nothing there:
    ``..`` segments (also percent-encoded), backslashes, NUL bytes and symlinks that lead out
    of ``root`` are all refused. A folder gives its ``index.html``."""
    path = unquote(urlsplit(url_path).path)
    if "\x00" in path or "\\" in path or not path.startswith("/"):
        return None
    parts = path.split("/")
    if any(p in ("..", ".") for p in parts):
        return None
    if any(p.startswith(".") for p in parts if p):  # hidden and temporary files
        return None
    base = root.resolve()
    target = (base / posixpath.normpath(path).lstrip("/")).resolve()
    if target != base and base not in target.parents:
        return None
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


class FeedRequestHandler(BaseHTTPRequestHandler):
    """GET and HEAD of the files of one folder."""

    server_version = "kzfeed"
    protocol_version = "HTTP/1.1"

    def __init__(self, *args: object, root: Path, **kwargs: object) -> None:
        self.root = root
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _error(self, status: HTTPStatus, message: str) -> None:
        data = f"{status.value} {status.phrase}: {message}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _answer(self, *, body: bool) -> None:
        file = resolve_path(self.root, self.path)
        if file is None:
            self._error(HTTPStatus.NOT_FOUND, "no such file")
            return
        try:
            stat = file.stat()
            data = file.read_bytes()
        except OSError:
            self._error(HTTPStatus.NOT_FOUND, "no such file")
            return
        suffix = file.suffix.lower()
        wants_gzip = suffix in _COMPRESSIBLE and _accepts_gzip(self.headers.get("Accept-Encoding", ""))
        etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}{"-gz" if wants_gzip else ""}"'
        modified = email.utils.formatdate(int(stat.st_mtime), usegmt=True)
        headers = {
            "ETag": etag,
            "Last-Modified": modified,
            "Cache-Control": "public, max-age=300",
            "Vary": "Accept-Encoding, Accept" if suffix in _FEEDS else "Accept-Encoding",
        }
        if _not_modified(
            self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since"), etag, stat
        ):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            return
        if wants_gzip:
            data = gzip.compress(data, mtime=0)
            headers["Content-Encoding"] = "gzip"
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self._content_type(suffix))
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _content_type(self, suffix: str) -> str:
        # Browsers show application/atom+xml and rss+xml as raw text and never apply the feed's
        # XSL stylesheet; a browser asking for a page (text/html, no feed type) gets the same
        # bytes as application/xml, which it renders through the stylesheet. Feed readers ask
        # for the feed types (or */*) and get them.
        accept = self.headers.get("Accept", "")
        if (
            suffix in _FEEDS
            and "text/html" in accept
            and "atom+xml" not in accept
            and "rss+xml" not in accept
        ):
            return "application/xml; charset=utf-8"
        return CONTENT_TYPES.get(suffix, "application/octet-stream")


def _accepts_gzip(header: str) -> bool:
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip"):
            q = params.strip()
            return not (q.startswith("q=") and float(q[2:] or 0) == 0)
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
        except (TypeError, ValueError):
            return False
        return int(stat.st_mtime) <= since.timestamp()
    return False


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8080) -> ThreadingHTTPServer:
    """An HTTP server of the files under ``root`` (not started: call ``serve_forever``)."""
    if not root.is_dir():
        raise InputError(f"folder {str(root)!r} not found; run 'kzfeed run' or 'kzfeed render' first")
    handler: Callable[..., FeedRequestHandler] = partial(FeedRequestHandler, root=root.resolve())
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port") from exc
    server.daemon_threads = True
    return server
