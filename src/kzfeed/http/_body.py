"""Reading a response body within the size limit, decompressing gzip/deflate under a cap."""

from __future__ import annotations

import time
import zlib

import httpx

from kzfeed.errors import FetchError

__all__ = ["plain_headers", "read_body"]


class _Inflater:
    """Decompresses gzip/deflate while bounding the output, so a small bomb cannot fill memory."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise ValueError(f"unsupported Content-Encoding {encoding!r}")
        self._started = False

    def feed(self, data: bytes, limit: int) -> bytes:
        """Return at most ``limit`` decoded bytes of ``data`` (more means the body is too big)."""
        if self._zlib is None:
            return data
        try:
            out = self._zlib.decompress(data, limit)
        except zlib.error:
            if self.encoding != "deflate" or self._started:
                raise
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # some servers send raw deflate
            out = self._zlib.decompress(data, limit)
        self._started = True
        return out

    def flush(self) -> bytes:
        return self._zlib.flush() if self._zlib is not None else b""


def read_body(response: httpx.Response, source: str, max_bytes: int, deadline: float) -> bytes:
    url = str(response.url)
    too_big = f"the body of {url} is larger than the limit of {max_bytes:,} bytes"
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        message = f"{too_big} (Content-Length {int(length):,}); raise max_bytes if it is right"
        raise FetchError(source, message, url=url)
    try:
        inflater = _Inflater(response.headers.get("content-encoding", "").strip().lower())
    except ValueError as exc:
        raise FetchError(source, f"{url}: {exc}; kzfeed asks for gzip or deflate only", url=url) from exc
    chunks: list[bytes] = []
    size = 0
    try:
        for raw in response.iter_raw():
            if response.num_bytes_downloaded > max_bytes:
                raise FetchError(
                    source, f"{too_big} (while downloading); raise max_bytes if it is right", url=url
                )
            chunk = inflater.feed(raw, max_bytes - size + 1)
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(
                    source, f"{too_big} once decompressed; it may be a decompression bomb", url=url
                )
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise httpx.TimeoutException("total timeout")
        chunks.append(inflater.flush())
    except zlib.error as exc:
        raise FetchError(
            source, f"the compressed body of {url} is corrupt ({exc}); try again later", url=url
        ) from exc
    return b"".join(chunks)


def plain_headers(headers: httpx.Headers) -> dict[str, str]:
    # the content is handed over decompressed: these two would describe bytes nobody sees
    return {k: v for k, v in headers.items() if k not in ("content-encoding", "content-length")}
