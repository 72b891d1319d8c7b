"""The polite, caching HTTP client that every source fetches through (the one module wrapping httpx).

One :class:`Fetcher` is shared by all sources of a run, from many threads. It sends conditional
requests, honours Cache-Control/Expires and Retry-After, spaces and limits requests per host,
obeys robots.txt when asked, and enforces timeouts, size and redirect limits. Every failure is a
:class:`~kzfeed.errors.FetchError` whose message says what to do next.
"""

from __future__ import annotations

import codecs
import email.utils
import encodings
import ipaddress
import re
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from encodings.aliases import aliases as _codec_aliases
from types import TracebackType
from typing import Protocol, Self, runtime_checkable
from urllib.robotparser import RobotFileParser

import httpx

from kzfeed.charsets import unmarked_utf16_32
from kzfeed.errors import ConfigError, FetchError
from kzfeed.http._guard import AddressRefused, AllowList, GuardedTransport, deadline

__all__ = [
    "CacheEntry",
    "FetchPolicy",
    "FetchResult",
    "Fetcher",
    "HttpCache",
    "MemoryHttpCache",
    "decode_text",
    "default_user_agent",
    "next_attempt_after",
]

_ROBOTS_TOKEN = "kzfeed"  # the product token robots.txt rules are matched against
_ROBOTS_MAX_BYTES = 512_000  # RFC 9309 lets crawlers stop reading robots.txt after 500 KiB
_DISALLOW_ALL = ["User-agent: *", "Disallow: /"]
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def default_user_agent(contact_url: str) -> str:
    """Return ``"kzfeed/<version> (+<contact_url>)"``: names kzfeed and how to reach its operator."""
    from kzfeed import __version__  # late: the package may one day import this module

    contact = contact_url.strip()
    if not contact:
        raise ConfigError("the User-Agent needs a contact URL (a page or mailto: address of the operator)")
    return f"kzfeed/{__version__} (+{contact})"


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchPolicy:
    """How politely and within which limits a :class:`Fetcher` works. Times are in seconds.

    ``max_cache_lifetime`` caps how long a server's Cache-Control/Expires may stop kzfeed from
    asking again (a feed served with ``max-age`` of a year would otherwise go silent).

    ``allow_private`` lists the non-public addresses, CIDR ranges and host names (each with an
    optional ``:port``) that may be fetched; every other address that is not a public Internet
    address is refused (see :mod:`kzfeed.http._guard`). ``exempt_loopback`` only lifts
    ``min_delay`` for loopback hosts; it does not let them be fetched.
    """

    user_agent: str
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    per_host_concurrency: int = 2
    min_delay: float = 1.0
    exempt_loopback: bool = False
    obey_robots: bool = True
    backoff_base: float = 60.0
    backoff_cap: float = 6 * 3600.0
    max_cache_lifetime: float = 24 * 3600.0
    allow_private: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.user_agent.strip():
            raise ConfigError("fetch policy: user_agent must not be empty; use default_user_agent(contact)")
        AllowList(self.allow_private)  # raises ConfigError naming a bad entry
        positive = ("connect_timeout", "read_timeout", "total_timeout", "max_bytes", "backoff_base")
        at_least = {"per_host_concurrency": 1, "max_redirects": 0, "min_delay": 0, "max_cache_lifetime": 0}
        for name in positive:
            if not getattr(self, name) > 0:
                raise ConfigError(f"fetch policy: {name} must be > 0, not {getattr(self, name)!r}")
        for name, low in at_least.items():
            if not getattr(self, name) >= low:
                raise ConfigError(f"fetch policy: {name} must be >= {low}, not {getattr(self, name)!r}")
        if self.backoff_cap < self.backoff_base:
            raise ConfigError("fetch policy: backoff_cap must be >= backoff_base")


def next_attempt_after(consecutive_failures: int, policy: FetchPolicy) -> timedelta:
    """How long to wait before trying a source again after ``consecutive_failures`` failures in a
    row: ``backoff_base`` doubled for each failure after the first, at most ``backoff_cap``."""
    if consecutive_failures <= 0:
        return timedelta(0)
    exponent = min(consecutive_failures - 1, 62)  # 2**62 s is past any cap; avoids float overflow
    return timedelta(seconds=min(policy.backoff_base * 2.0**exponent, policy.backoff_cap))


@dataclass(frozen=True, slots=True, kw_only=True)
class CacheEntry:
    """What the fetcher remembers about one URL between requests (and, stored, between runs)."""

    etag: str | None = None
    last_modified: str | None = None
    #: until then the last answer is fresh: no request is sent (Cache-Control max-age / Expires)
    expires: datetime | None = None
    #: until then the server asked not to be asked (Retry-After on 429/503)
    retry_after: datetime | None = None
    last_status: int | None = None


@runtime_checkable
class HttpCache(Protocol):
    """Where the fetcher keeps a :class:`CacheEntry` per URL, keyed by the URL exactly as given
    to :meth:`Fetcher.get` (before redirects). Must be thread-safe; ``load`` returns ``None``
    for a URL never saved."""

    def load(self, url: str) -> CacheEntry | None: ...

    def save(self, url: str, entry: CacheEntry) -> None: ...


class MemoryHttpCache:
    """An :class:`HttpCache` in a dict: for tests and for one-off runs without a database."""

    def __init__(self) -> None:
        self._entries: dict[str, CacheEntry] = {}
        self._lock = threading.Lock()

    def load(self, url: str) -> CacheEntry | None:
        with self._lock:
            return self._entries.get(url)

    def save(self, url: str, entry: CacheEntry) -> None:
        with self._lock:
            self._entries[url] = entry


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


@dataclass(frozen=True, slots=True, kw_only=True)
class _Transfer:
    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    permanent_url: str | None
    elapsed: float


class _HostGate:
    """At most ``concurrency`` requests at once to one host, their starts ``min_delay`` apart."""

    def __init__(self, concurrency: int, min_delay: float) -> None:
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._min_delay = min_delay
        self._next_start = 0.0

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._slots:
            with self._lock:  # reserve a start time, then wait for it outside the lock
                now = time.monotonic()
                start = max(now, self._next_start)
                self._next_start = start + self._min_delay
            if start > now:
                time.sleep(start - now)
            yield


class Fetcher:
    """The HTTP client handed to sources (``ctx.http``). Thread-safe; close it when the run ends.

    Without ``transport`` it connects only to public Internet addresses and to what
    ``policy.allow_private`` lets through (:class:`~kzfeed.http._guard.GuardedTransport`);
    ``transport`` replaces the network (e.g. ``httpx.MockTransport``) for offline tests.
    """

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        cache: HttpCache | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.policy = policy
        self._cache = cache
        self._client = httpx.Client(
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
            transport=transport
            if transport is not None
            else GuardedTransport(AllowList(policy.allow_private)),
            trust_env=False,  # an HTTP(S)_PROXY would take requests past the address guard
        )
        self._lock = threading.Lock()
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, tuple[RobotFileParser, str]] = {}
        self._robots_locks: dict[str, threading.Lock] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections. The fetcher cannot be used afterwards."""
        self._client.close()

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
        now = datetime.now(UTC)
        entry = self._cache.load(url) if self._cache is not None else None
        if entry is not None and entry.retry_after is not None and entry.retry_after > now:
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
        if self._cache is not None:
            self._cache.save(url, _next_entry(entry, got, self.policy))
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
        retry_at = _retry_after(got.headers, now) if got.status in (429, 503) else None
        raise FetchError(
            source, _status_message(source, url, got), url=got.url, status=got.status, retry_after=retry_at
        )

    def _gate(self, host: str) -> _HostGate:
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                exempt = self.policy.exempt_loopback and _is_loopback(host)
                delay = 0.0 if exempt else self.policy.min_delay
                gate = self._gates[host] = _HostGate(self.policy.per_host_concurrency, delay)
            return gate

    def _transfer(
        self, url: str, *, source: str, headers: dict[str, str], robots: bool, max_bytes: int
    ) -> _Transfer:
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
            if robots:
                self._check_robots(current, source)
            try:
                with self._gate(current.host).turn():
                    if started is None:
                        started = time.monotonic()
                    until = started + self.policy.total_timeout
                    with deadline(until):
                        hop = self._hop(
                            current, source=source, headers=headers, max_bytes=max_bytes, until=until
                        )
            except httpx.HTTPError as exc:
                late = started is not None and time.monotonic() >= started + self.policy.total_timeout
                raise _network_error(source, str(current), exc, self.policy, late=late) from exc
            except httpx.InvalidURL as exc:
                raise FetchError(source, f"bad redirect from {url}: {exc}; check the URL", url=url) from exc
            except AddressRefused as exc:
                where = str(current) if str(current) == url else f"{current} (redirected from {url})"
                raise FetchError(source, f"refused to fetch {where}: {exc}", url=url) from exc
            if isinstance(hop, _Transfer):
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

    def _hop(
        self, current: httpx.URL, *, source: str, headers: dict[str, str], max_bytes: int, until: float
    ) -> _Transfer | tuple[int, httpx.URL]:
        """One request: the answer, or the status and target of a redirect to follow."""
        if time.monotonic() > until:
            raise httpx.TimeoutException("total timeout")
        request = self._client.build_request("GET", current, headers=headers)
        response = self._client.send(request, stream=True)
        try:
            status, location = response.status_code, response.headers.get("location")
            if status in _REDIRECTS and location:
                return status, current.join(location)
            content = _read_body(response, source, max_bytes, until) if 200 <= status < 300 else b""
            return _Transfer(
                url=str(current),
                status=status,
                headers=_plain_headers(response.headers),
                content=content,
                permanent_url=None,
                elapsed=0.0,
            )
        finally:
            response.close()

    def _check_robots(self, url: httpx.URL, source: str) -> None:
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        with self._lock:
            origin_lock = self._robots_locks.setdefault(origin, threading.Lock())
        with origin_lock:  # fetched once per host, even when many threads ask at once
            if origin not in self._robots:
                self._robots[origin] = self._load_robots(origin, source)
            parser, problem = self._robots[origin]
        if not parser.can_fetch(_ROBOTS_TOKEN, str(url)):
            if problem:
                message = (
                    f"robots.txt of {origin} could not be read ({problem}), so every page of the site "
                    f"counts as disallowed for this run (RFC 9309), including {url}; try again later"
                )
            else:
                message = (
                    f"robots.txt of {origin} disallows {url}; kzfeed obeys it, drop the page from the source"
                )
            raise FetchError(source, message, url=str(url))

    def _load_robots(self, origin: str, source: str) -> tuple[RobotFileParser, str]:
        parser = RobotFileParser(f"{origin}/robots.txt")
        try:
            got = self._transfer(
                f"{origin}/robots.txt", source=source, headers={}, robots=False, max_bytes=_ROBOTS_MAX_BYTES
            )
        except FetchError as exc:
            parser.parse(_DISALLOW_ALL)
            return parser, str(exc).split(": ", 1)[-1]
        if 200 <= got.status < 300:
            parser.parse(got.content.decode("utf-8", errors="replace").splitlines())
            return parser, ""
        if 400 <= got.status < 500 and got.status != 429:  # no robots.txt: everything is allowed
            parser.parse([])
            return parser, ""
        parser.parse(_DISALLOW_ALL)  # the server fails or throttles: assume it wants no crawling
        return parser, f"HTTP {got.status}"


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


def _read_body(response: httpx.Response, source: str, max_bytes: int, deadline: float) -> bytes:
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


def _network_error(
    source: str, url: str, exc: httpx.HTTPError, policy: FetchPolicy, *, late: bool = False
) -> FetchError:
    if late and isinstance(exc, httpx.TimeoutException):
        what = f"fetching {url} took longer than {policy.total_timeout:g} s (total timeout)"
    elif isinstance(exc, httpx.ConnectTimeout):
        what = f"could not connect to {url} within {policy.connect_timeout:g} s"
    elif isinstance(exc, httpx.ReadTimeout):
        what = f"{url} sent nothing for {policy.read_timeout:g} s (read timeout)"
    elif isinstance(exc, httpx.TimeoutException):
        what = f"fetching {url} took longer than {policy.total_timeout:g} s (total timeout)"
    elif isinstance(exc, httpx.ConnectError):
        what = f"could not connect to {url} ({exc})"
    else:
        what = f"network error while fetching {url} ({type(exc).__name__}: {exc})"
    return FetchError(source, f"{what}; the site may be down or slow, kzfeed retries on a later run", url=url)


def _status_message(source: str, requested: str, got: _Transfer) -> str:
    status, url = got.status, got.url
    where = url if url == requested else f"{url} (redirected from {requested})"
    if status == 410:
        return (
            f"HTTP 410 Gone for {where}: the site removed it for good; the source will be paused — "
            f"fix its URL, then run `kzfeed sources reset {source}`"
        )
    retry_at = _retry_after(got.headers, datetime.now(UTC)) if status in (429, 503) else None
    if retry_at is not None:
        when = retry_at.isoformat(timespec="seconds")
        return f"HTTP {status} for {where}; the server asks kzfeed to wait, no request before {when}"
    if status == 429:
        return f"HTTP 429 (too many requests) for {where}; kzfeed will back off — raise min_delay if it lasts"
    if status in (401, 403):
        return f"HTTP {status} (access denied) for {where}; check the URL in a browser or disable the source"
    if 400 <= status < 500:
        return f"HTTP {status} for {where}; check the URL or disable the source"
    if status >= 500:
        return f"HTTP {status} for {where}: the server failed; kzfeed will retry later with back-off"
    return f"unexpected HTTP {status} for {where}; check the URL or disable the source"


def _next_entry(old: CacheEntry | None, got: _Transfer, policy: FetchPolicy) -> CacheEntry:
    now = datetime.now(UTC)
    if got.status == 304 or 200 <= got.status < 300:
        keep = got.status == 304 and old is not None  # a 304 may omit the validators
        return CacheEntry(
            etag=got.headers.get("etag") or (old.etag if keep and old else None),
            last_modified=got.headers.get("last-modified") or (old.last_modified if keep and old else None),
            expires=_fresh_until(got.headers, now, policy.max_cache_lifetime),
            last_status=got.status,
        )
    return CacheEntry(
        etag=old.etag if old else None,
        last_modified=old.last_modified if old else None,
        retry_after=_retry_after(got.headers, now) if got.status in (429, 503) else None,
        last_status=got.status,
    )


def _fresh_until(headers: dict[str, str], now: datetime, cap: float) -> datetime | None:
    directives: dict[str, str] = {}
    for part in headers.get("cache-control", "").lower().split(","):
        name, _, value = part.strip().partition("=")
        directives[name] = value.strip().strip('"')
    if "no-store" in directives or "no-cache" in directives:
        return None
    lifetime: float | None = None
    if directives.get("max-age", "").isdigit():
        age = headers.get("age", "0")
        lifetime = int(directives["max-age"]) - (int(age) if age.isdigit() else 0)
    elif (expires := _http_date(headers.get("expires"))) is not None:
        served = _http_date(headers.get("date")) or now  # relative to the server's clock
        lifetime = (expires - served).total_seconds()
    if lifetime is None or lifetime <= 0:
        return None
    return now + timedelta(seconds=min(lifetime, cap))


def _retry_after(headers: dict[str, str], now: datetime) -> datetime | None:
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    when = _http_date(value)
    return when if when is not None and when > now else None


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _plain_headers(headers: httpx.Headers) -> dict[str, str]:
    # the content is handed over decompressed: these two would describe bytes nobody sees
    return {k: v for k, v in headers.items() if k not in ("content-encoding", "content-length")}


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# -- text decoding -------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DOCUMENT_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)""", re.I
)
# encodings of the beat's sites (Kazakh, Russian, EU languages), preferred in this order when
# detection finds several that read the bytes equally well
_LIKELY = (
    "utf_8", "cp1251", "cp1252", "latin_1", "koi8_r", "kz1048", "iso8859_5", "mac_cyrillic",
    "iso8859_15", "cp1250", "iso8859_2",
)  # fmt: skip


_UTF_16_32 = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le"]


def decode_text(content: bytes, content_type: str | None = None) -> str:
    """Decode an HTTP body as text.

    A byte-order mark wins; UTF-16/32 without one is told by where its NUL bytes are (XML 1.0
    appendix F); UTF-8 (declared or not, with at most 1 % stray bytes) is taken as
    is. Otherwise the charset declared in ``content_type`` (or, without one, in a ``<meta>``
    or ``<?xml?>`` declaration) is checked against detection (charset-normalizer): it is used
    when it reads the bytes as well as the best detected encoding, else the detected one is,
    so a missing or wrong declaration (cp1251 served as ISO-8859-1, say) gives correct text.
    """
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content.decode(encoding, errors="replace")
    if unmarked := unmarked_utf16_32(content):  # UTF-16/32 without a BOM is all "ASCII" bytes
        return content.decode(unmarked, errors="replace")
    if content.isascii():
        return content.decode("ascii")
    declared = _codec_name(_charset_param(content_type)) or _codec_name(_document_charset(content))
    if declared in (None, "utf_8"):
        text = content.decode("utf-8", errors="replace")
        bad = text.count("\ufffd")
        non_ascii = len(text) - len(text.encode("ascii", errors="ignore")) - bad
        # a few stray bytes in a UTF-8 page must not make the whole page mojibake
        if bad * 100 <= non_ascii:
            return text
        declared = None
    from charset_normalizer import from_bytes  # late: only non-UTF-8 bodies need it

    candidates = ([declared] if declared else []) + [e for e in _LIKELY if e != declared]
    matches = list(from_bytes(content, cp_isolation=candidates))
    if not matches:  # not a language of the beat; UTF-16/32 without a BOM is too easily "found"
        matches = list(from_bytes(content, cp_exclusion=_UTF_16_32))
    if not matches:
        return content.decode(declared or "utf-8", errors="replace")

    def preference(encoding: str) -> int:
        return candidates.index(encoding) if encoding in candidates else len(candidates)

    best = min(matches, key=lambda m: (round(m.chaos, 2), preference(m.encoding)))
    return str(best)


def _charset_param(content_type: str | None) -> str | None:
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _document_charset(content: bytes) -> str | None:
    match = _DOCUMENT_CHARSET.search(content[:2048])
    if match is None:
        return None
    return (match.group(1) or match.group(2)).decode("ascii", errors="replace")


def _codec_name(label: str | None) -> str | None:
    """Python's codec name for a charset label, in charset-normalizer's spelling (``"cp1251"``)."""
    if not label:
        return None
    name = encodings.normalize_encoding(label.lower())
    name = _codec_aliases.get(name, name)
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    # as browsers do (WHATWG): pages labelled ISO-8859-1 or ASCII are really windows-1252
    return "cp1252" if name in ("latin_1", "ascii") else name
