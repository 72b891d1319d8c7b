"""The polite, caching HTTP client that every source fetches through (the one module wrapping httpx).

One :class:`Fetcher` is shared by all sources of a run, from many threads. It sends conditional
requests, honours Cache-Control/Expires and Retry-After (``kzfeed.http._cache``), spaces and
limits requests per host, obeys robots.txt when asked, connects only to allowed addresses
(``kzfeed.http._guard``), and enforces timeouts, size and redirect limits. Every failure is a
:class:`~kzfeed.errors.FetchError` whose message says what to do next.
"""

from __future__ import annotations

import codecs
import encodings
import re
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from encodings.aliases import aliases as _codec_aliases
from types import TracebackType
from typing import Self

import httpx

from kzfeed.charsets import unmarked_utf16_32
from kzfeed.errors import FetchError
from kzfeed.http._body import plain_headers, read_body
from kzfeed.http._cache import CacheEntry, HttpCache, StagedHttpCache, next_entry, retry_after
from kzfeed.http._guard import AddressRefused, AllowList, GuardedTransport, deadline
from kzfeed.http._policy import FetchPolicy
from kzfeed.http._polite import ROBOTS_MAX_BYTES, FleetPoliteness, HostGates, Robots

__all__ = ["FetchResult", "Fetcher", "decode_text"]

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


@dataclass(frozen=True, slots=True, kw_only=True)
class _Transfer:
    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    permanent_url: str | None
    elapsed: float


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
            _status_message(source, url, got, retry_at),
            url=got.url,
            status=got.status,
            retry_after=retry_at,
        )

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

    def _robots_txt(self, url: str, source: str) -> tuple[int, bytes]:
        got = self._transfer(url, source=source, headers={}, robots=False, max_bytes=ROBOTS_MAX_BYTES)
        return got.status, got.content

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
            content = read_body(response, source, max_bytes, until) if 200 <= status < 300 else b""
            return _Transfer(
                url=str(current),
                status=status,
                headers=plain_headers(response.headers),
                content=content,
                permanent_url=None,
                elapsed=0.0,
            )
        finally:
            response.close()


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


def _status_message(source: str, requested: str, got: _Transfer, retry_at: datetime | None) -> str:
    status, url = got.status, got.url
    where = url if url == requested else f"{url} (redirected from {requested})"
    if status == 410:
        return (
            f"HTTP 410 Gone for {where}: the site removed it for good; the source will be paused — "
            f"fix its URL, then run `kzfeed sources reset {source}`"
        )
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
