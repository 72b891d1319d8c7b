"""Politeness: per-host concurrency and spacing of requests, and robots.txt."""

from __future__ import annotations

import contextlib
import ipaddress
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.robotparser import RobotFileParser

import httpx

from kzfeed.errors import FetchError
from kzfeed.http._policy import FetchPolicy

__all__ = ["ROBOTS_MAX_BYTES", "ROBOTS_TOKEN", "HostGates", "Robots"]

ROBOTS_TOKEN = "kzfeed"  # the product token robots.txt rules are matched against
ROBOTS_MAX_BYTES = 512_000  # RFC 9309 lets crawlers stop reading robots.txt after 500 KiB
_DISALLOW_ALL = ["User-agent: *", "Disallow: /"]


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


class HostGates:
    """One :class:`_HostGate` per host, made on first use (loopback hosts without the delay
    when ``exempt_loopback``)."""

    def __init__(self, policy: FetchPolicy) -> None:
        self._policy = policy
        self._gates: dict[str, _HostGate] = {}
        self._lock = threading.Lock()

    def turn(self, host: str) -> contextlib.AbstractContextManager[None]:
        """Wait for a turn to send a request to ``host``; hold it while the request runs."""
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                exempt = self._policy.exempt_loopback and _is_loopback(host)
                delay = 0.0 if exempt else self._policy.min_delay
                gate = self._gates[host] = _HostGate(self._policy.per_host_concurrency, delay)
        return gate.turn()


class Robots:
    """robots.txt of each site, read once per run."""

    def __init__(self) -> None:
        self._parsers: dict[str, tuple[RobotFileParser, str]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def check(self, url: httpx.URL, source: str, fetch: Callable[[str, str], tuple[int, bytes]]) -> None:
        """Raise ``FetchError`` when robots.txt of ``url``'s site disallows it; ``fetch(url,
        source)`` gets robots.txt (status and body) the first time a site is asked about."""
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        with self._lock:
            origin_lock = self._locks.setdefault(origin, threading.Lock())
        with origin_lock:  # fetched once per host, even when many threads ask at once
            if origin not in self._parsers:
                self._parsers[origin] = _load(origin, source, fetch)
            parser, problem = self._parsers[origin]
        if not parser.can_fetch(ROBOTS_TOKEN, str(url)):
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


def _load(
    origin: str, source: str, fetch: Callable[[str, str], tuple[int, bytes]]
) -> tuple[RobotFileParser, str]:
    parser = RobotFileParser(f"{origin}/robots.txt")
    try:
        status, content = fetch(f"{origin}/robots.txt", source)
    except FetchError as exc:
        parser.parse(_DISALLOW_ALL)
        return parser, str(exc).split(": ", 1)[-1]
    if 200 <= status < 300:
        parser.parse(content.decode("utf-8", errors="replace").splitlines())
        return parser, ""
    if 400 <= status < 500 and status != 429:  # no robots.txt: everything is allowed
        parser.parse([])
        return parser, ""
    parser.parse(_DISALLOW_ALL)  # the server fails or throttles: assume it wants no crawling
    return parser, f"HTTP {status}"


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
