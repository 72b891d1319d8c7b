"""The polite, caching HTTP client that every source fetches through (the one module wrapping httpx).

One :class:`Fetcher` is shared by all sources of a run, from many threads. It sends conditional
requests, honours Cache-Control/Expires and Retry-After (``kzfeed.http._cache``), spaces and
limits requests per host, obeys robots.txt when asked, connects only to allowed addresses
(``kzfeed.http._guard``), and enforces timeouts, size and redirect limits. Every failure is a
:class:`~kzfeed.errors.FetchError` whose message says what to do next.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import httpx

from kzfeed.errors import FetchError
from kzfeed.http._allow import AllowList
from kzfeed.http._answers import Transfer, network_error, status_message
from kzfeed.http._body import plain_headers, read_body
from kzfeed.http._cache import CacheEntry, HttpCache, StagedHttpCache, next_entry, retry_after
from kzfeed.http._decode import decode_text
from kzfeed.http._guard import AddressRefused, GuardedTransport, deadline
from kzfeed.http._policy import FetchPolicy
from kzfeed.http._polite import ROBOTS_MAX_BYTES, FleetPoliteness, HostGates, Robots

__all__ = ["FetchResult", "Fetcher"]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchResult:
    """One answer. ``not_modified`` answers (a 304, or ``from_cache`` while still fresh, which
    has status 304 and no headers) have no content. ``headers`` has lower-case keys; ``content`` is already decompressed, so
    Content-Encoding and Content-Length are left out. ``permanent_url`` is set when the URL
    asked for moved for good (301/308): store it in place of the old one."""

    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    not_modified: bool = False
    from_cache: bool = False
    permanent_url: str | None = None
    #: seconds from the first byte sent to the last byte read
    elapsed: float = 0.0

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case (``"text/html"``), or ``""``."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        """The content decoded as text; see :func:`decode_text`. Computed on each access."""
        return decode_text(self.content, self.headers.get("content-type"))


class _Cookies(httpx.Cookies):
    """httpx's cookie jar, which reads a response's cookies only when it sets some: httpx hands
    every response to the jar, whose reading builds a urllib request and message of it first
    (~0.05-0.1 ms a request) to find no Set-Cookie header. Cookies are kept and sent as before."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers or "set-cookie2" in response.headers:
            super().extract_cookies(response)


class _Client(httpx.Client):
    """httpx's client with :class:`_Cookies` (the same jar, read as above)."""

    @property
    def cookies(self) -> httpx.Cookies:
        return _Cookies(httpx.Client.cookies.fget(self).jar)  # type: ignore[attr-defined]

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        httpx.Client.cookies.fset(self, cookies)  # type: ignore[attr-defined]


class Fetcher:
    """The HTTP client handed to sources (``ctx.http``). Thread-safe; close it when the run ends.

    Without ``transport`` it connects only to public Internet addresses and to what
    ``policy.allow_private`` lets through (:class:`~kzfeed.http._guard.GuardedTransport`);
    ``transport`` replaces the network (e.g. ``httpx.MockTransport``) for offline tests. Once
    ``stop`` is set no new request starts: ``get`` raises ``FetchError`` and :meth:`stopped`
    tells which sources were refused. ``fleet`` shares the per-host limits and robots.txt
    with other workers (``holder`` names this one); without it they hold in this process.
    """

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        cache: HttpCache | None = None,
        transport: httpx.BaseTransport | None = None,
        stop: threading.Event | None = None,
        fleet: FleetPoliteness | None = None,
        holder: str = "",
    ) -> None:
        self.policy = policy
        self._cache = cache
        self._transport = (
            transport if transport is not None else GuardedTransport(AllowList(policy.allow_private))
        )
        self._client = _Client(
            # only encodings _Inflater can decompress under a size cap
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate", "Accept": "*/*"},
            timeout=httpx.Timeout(
                connect=policy.connect_timeout,
                read=policy.read_timeout,
                write=policy.read_timeout,
                pool=policy.total_timeout,
            ),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=50),
            follow_redirects=False,
            transport=self._transport,
            trust_env=False,  # an HTTP(S)_PROXY would take requests past the address guard
        )
        self._lock = threading.Lock()
        self._gates = HostGates(policy, fleet, holder)
        self._robots = Robots(fleet)
        self._stop = stop
        self._stopped: set[str] = set()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections. The fetcher cannot be used afterwards."""
        self._client.close()

    def abort(self) -> None:
        """From any thread: refuse new requests and cut the open connections, so that every
        request in flight fails at once (the run was interrupted)."""
        if self._stop is None:
            self._stop = threading.Event()
        self._stop.set()
        if isinstance(self._transport, GuardedTransport):
            self._transport.abort()

    def get(self, url: str, *, source: str, check_robots: bool = False, force: bool = False) -> FetchResult:
        """GET ``url`` for the source named ``source``.

        Sends the stored ETag/Last-Modified as If-None-Match/If-Modified-Since and returns a
        ``not_modified`` result on 304. While the last answer is fresh (Cache-Control max-age,
        Expires) no request is sent and a ``from_cache`` result is returned. ``force=True``
        skips both and asks for the whole body (the source wants to read it again); it does
        not skip a Retry-After the server asked for. ``check_robots=True`` (article pages, not
        subscribed feeds) refuses URLs that the site's robots.txt disallows, when the policy
        obeys robots.txt.

        Raises ``FetchError`` (with ``status`` when the server answered) on any failure.
        """
        self._check_stop(url, source)
        now = datetime.now(UTC)
        entry = self._cache.load(url) if self._cache is not None else None
        if entry is not None and entry.retry_after is not None and entry.retry_after > now:
            entry = self._capped_wait(url, source, entry, now)
            assert entry.retry_after is not None
            raise FetchError(
                source,
                f"the server of {url} asked kzfeed to wait (HTTP {entry.last_status} with Retry-After); "
                f"no request before {entry.retry_after.isoformat(timespec='seconds')}, try again after that",
                url=url,
                status=entry.last_status,
                retry_after=entry.retry_after,
            )
        if entry is not None and not force and entry.expires is not None and entry.expires > now:
            return FetchResult(url=url, status=304, not_modified=True, from_cache=True)
        headers: dict[str, str] = {}
        if entry is not None and not force:
            if entry.etag:
                headers["If-None-Match"] = entry.etag
            if entry.last_modified:
                headers["If-Modified-Since"] = entry.last_modified
        robots = check_robots and self.policy.obey_robots
        got = self._transfer(
            url, source=source, headers=headers, robots=robots, max_bytes=self.policy.max_bytes
        )
        self._remember(url, source, next_entry(entry, got.status, got.headers, self.policy))
        if got.status == 304 or 200 <= got.status < 300:
            return FetchResult(
                url=got.url,
                status=got.status,
                headers=got.headers,
                content=got.content,
                not_modified=got.status == 304,
                permanent_url=got.permanent_url,
                elapsed=got.elapsed,
            )
        retry_at = retry_after(got.headers, now, self.policy) if got.status in (429, 503) else None
        raise FetchError(
            source,
            status_message(source, url, got, retry_at),
            url=got.url,
            status=got.status,
            retry_after=retry_at,
        )

    def expect(self, urls: Sequence[str]) -> None:
        """``urls`` are about to be fetched (a source's pages): their cache entries are read at
        once, in one database query rather than one per page, when the cache can."""
        if isinstance(self._cache, StagedHttpCache):
            self._cache.expect(urls)

    def stopped(self, source: str) -> bool:
        """Whether a request of ``source`` was refused because the run was asked to stop."""
        with self._lock:
            return source in self._stopped

    def _check_stop(self, url: str, source: str) -> None:
        if self._stop is not None and self._stop.is_set():
            with self._lock:
                self._stopped.add(source)
            raise FetchError(
                source, f"not fetching {url}: the run was asked to stop; the next run fetches it", url=url
            )

    def _remember(self, url: str, source: str, entry: CacheEntry) -> None:
        if isinstance(self._cache, StagedHttpCache):  # stored with the source's items
            self._cache.stage(source, url, entry)
        elif self._cache is not None:
            self._cache.save(url, entry)

    def _capped_wait(self, url: str, source: str, entry: CacheEntry, now: datetime) -> CacheEntry:
        """A stored wait longer than ``max_retry_wait`` (from an older kzfeed, or a lowered cap)
        is cut to it, once: the cut date is stored, so the wait still ends."""
        latest = now + timedelta(seconds=self.policy.max_retry_wait)
        if entry.retry_after is None or entry.retry_after <= latest:
            return entry
        entry = replace(entry, retry_after=latest)
        self._remember(url, source, entry)
        return entry

    def _transfer(
        self, url: str, *, source: str, headers: dict[str, str], robots: bool, max_bytes: int
    ) -> Transfer:
        """Follow redirects hop by hop (to see each one) and read the final body if it is 2xx."""
        try:
            current = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise FetchError(source, f"invalid URL {url!r}: {exc}; fix the URL", url=url) from exc
        permanent_url: str | None = None
        only_permanent = True
        started: float | None = None
        for _ in range(self.policy.max_redirects + 1):
            if current.scheme not in ("http", "https") or not current.host:
                raise FetchError(source, f"cannot fetch {current} (not an http(s) URL); fix the URL", url=url)
            self._check_stop(str(current), source)
            if robots:
                self._robots.check(current, source, self._robots_txt)
            try:
                with self._gates.turn(current.host):
                    if started is None:
                        started = time.monotonic()
                    until = started + self.policy.total_timeout
                    with deadline(until):
                        hop = self._hop(
                            current, source=source, headers=headers, max_bytes=max_bytes, until=until
                        )
            except httpx.HTTPError as exc:
                late = started is not None and time.monotonic() >= started + self.policy.total_timeout
                raise network_error(source, str(current), exc, self.policy, late=late) from exc
            except httpx.InvalidURL as exc:
                raise FetchError(source, f"bad redirect from {url}: {exc}; check the URL", url=url) from exc
            except AddressRefused as exc:
                where = str(current) if str(current) == url else f"{current} (redirected from {url})"
                raise FetchError(source, f"refused to fetch {where}: {exc}", url=url) from exc
            if isinstance(hop, Transfer):
                assert started is not None
                return replace(hop, permanent_url=permanent_url, elapsed=time.monotonic() - started)
            status, target = hop
            only_permanent = only_permanent and status in (301, 308)
            current = target
            if only_permanent:
                permanent_url = str(current)
        raise FetchError(
            source,
            f"more than {self.policy.max_redirects} redirects from {url} (the last one to {current}); "
            "the site may be in a redirect loop — check the URL in a browser",
            url=url,
        )

    def _robots_txt(self, url: str, source: str) -> tuple[int, bytes]:
        got = self._transfer(url, source=source, headers={}, robots=False, max_bytes=ROBOTS_MAX_BYTES)
        return got.status, got.content

    def _hop(
        self, current: httpx.URL, *, source: str, headers: dict[str, str], max_bytes: int, until: float
    ) -> Transfer | tuple[int, httpx.URL]:
        """One request: the answer, or the status and target of a redirect to follow."""
        if time.monotonic() > until:
            raise httpx.TimeoutException("total timeout")
        request = self._client.build_request("GET", current, headers=headers)
        response = self._client.send(request, stream=True)
        try:
            status, location = response.status_code, response.headers.get("location")
            if status in _REDIRECTS and location:
                return status, current.join(location)
            content = read_body(response, source, max_bytes, until) if 200 <= status < 300 else b""
            return Transfer(
                url=str(current),
                status=status,
                headers=plain_headers(response.headers),
                content=content,
                permanent_url=None,
                elapsed=0.0,
            )
        finally:
            response.close()
