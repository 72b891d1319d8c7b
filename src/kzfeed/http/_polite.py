"""Politeness: per-host concurrency and spacing of requests, and robots.txt.

In one process (SQLite, or a fetcher of its own) both are kept in memory. Workers that share
a PostgreSQL database share them too: the fetcher is handed a :class:`FleetPoliteness` (the
store, wired by ``kzfeed.pipeline``), through which every request takes a turn of its host
kept in the database and robots.txt is fetched once for all workers. This package never
imports the storage: the protocol below is all it knows of it.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol
from urllib.robotparser import RobotFileParser

import httpx

from kzfeed.errors import FetchError
from kzfeed.http._policy import FetchPolicy

__all__ = ["ROBOTS_MAX_BYTES", "ROBOTS_TOKEN", "FleetPoliteness", "HostGates", "Robots", "robots_max_age"]

ROBOTS_TOKEN = "kzfeed"  # the product token robots.txt rules are matched against
ROBOTS_MAX_BYTES = 512_000  # RFC 9309 lets crawlers stop reading robots.txt after 500 KiB
ROBOTS_MAX_AGE = 24 * 3600.0  # a site's robots.txt is fetched once a day for the whole fleet
ROBOTS_RETRY_AGE = 3600.0  # ... unless the site failed to answer it: then again after an hour
_DISALLOW_ALL = ["User-agent: *", "Disallow: /"]
_POLL_FIRST, _POLL_MAX = 0.02, 0.5  # seconds between asks for a turn while a host is busy
_TURN_MARGIN = 10.0  # seconds a turn outlives total_timeout, in case its worker dies
_SWEEP_FIRST = 64  # host gates kept before the spent ones are first looked for


class FleetPoliteness(Protocol):
    """Per-host turns and robots.txt shared by several workers (kzfeed's ``Store`` on
    PostgreSQL). Times are the coordinator's clock, never the worker's."""

    def take_host_turn(
        self, host: str, *, holder: str, concurrency: int, min_delay: float, hold: float
    ) -> tuple[int | None, float]:
        """``(turn, seconds to wait before sending)``, or ``(None, 0.0)`` while ``concurrency``
        requests to ``host`` are running; the turn ends by itself ``hold`` s after its start."""
        ...

    def end_host_turn(self, host: str, turn: int) -> None: ...

    def shared_robots(
        self, origin: str, fetch: Callable[[], tuple[int, str]], *, max_age: Callable[[int], float]
    ) -> tuple[int, str]:
        """robots.txt of ``origin`` (status, 0 when unreachable, and text): a copy younger than
        ``max_age(status)`` seconds, else what ``fetch()`` returns (then kept for the others)."""
        ...


def robots_max_age(status: int) -> float:
    """How long a robots.txt answer is kept: a day, an hour when the site failed to answer."""
    answered = 200 <= status < 300 or (400 <= status < 500 and status != 429)
    return ROBOTS_MAX_AGE if answered else ROBOTS_RETRY_AGE


class _HostGate:
    """At most ``concurrency`` requests at once to one host, their starts ``min_delay`` apart."""

    def __init__(self, concurrency: int, min_delay: float) -> None:
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._min_delay = min_delay
        self._next_start = 0.0
        #: requests holding or waiting for a turn (counted under :class:`HostGates`' lock)
        self.users = 0

    def spent(self) -> bool:
        """Whether a new gate would do the same: nobody uses it and no start is held back."""
        return self.users == 0 and self._next_start <= time.monotonic()

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
    when ``exempt_loopback``) and dropped once spent (nobody using it, its delay over), so a
    run of many hosts keeps the gates of the hosts being fetched, not one for every host it
    fetched from. With ``fleet``, a request that passed this process's gate also takes a turn
    of the host from the fleet, so that the limits hold across every worker."""

    def __init__(self, policy: FetchPolicy, fleet: FleetPoliteness | None = None, holder: str = "") -> None:
        self._policy = policy
        self._fleet = fleet
        self._holder = holder
        self._gates: dict[str, _HostGate] = {}
        self._lock = threading.Lock()
        self._sweep_at = _SWEEP_FIRST  # gates kept when the spent ones are looked for again

    def __len__(self) -> int:
        """The gates kept now."""
        return len(self._gates)

    def _delay(self, host: str) -> float:
        exempt = self._policy.exempt_loopback and _is_loopback(host)
        return 0.0 if exempt else self._policy.min_delay

    @contextmanager
    def turn(self, host: str) -> Iterator[None]:
        """Wait for a turn to send a request to ``host``; hold it while the request runs."""
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = self._gates[host] = _HostGate(self._policy.per_host_concurrency, self._delay(host))
            gate.users += 1
            if len(self._gates) >= self._sweep_at:
                self._sweep()
        try:
            with gate.turn() if self._fleet is None else self._fleet_turn(gate, host):
                yield
        finally:
            with self._lock:
                gate.users -= 1
                if gate.spent() and self._gates.get(host) is gate:
                    del self._gates[host]

    def _sweep(self) -> None:
        """Drop the spent gates whose delay was still running when their last turn ended (with
        the lock held); look again once twice as many are kept, so sweeps cost linear time."""
        for host in [host for host, gate in self._gates.items() if gate.spent()]:
            del self._gates[host]
        self._sweep_at = max(_SWEEP_FIRST, 2 * len(self._gates))

    @contextmanager
    def _fleet_turn(self, gate: _HostGate, host: str) -> Iterator[None]:
        assert self._fleet is not None
        with gate.turn():
            poll = _POLL_FIRST
            while True:
                turn, wait = self._fleet.take_host_turn(
                    host,
                    holder=self._holder,
                    concurrency=self._policy.per_host_concurrency,
                    min_delay=self._delay(host),
                    hold=self._policy.total_timeout + _TURN_MARGIN,
                )
                if turn is not None:
                    break
                time.sleep(poll)  # every turn of the host is taken by other workers
                poll = min(poll * 2, _POLL_MAX)
            try:
                if wait > 0:
                    time.sleep(wait)
                yield
            finally:
                self._fleet.end_host_turn(host, turn)


class Robots:
    """robots.txt of each site, read once per run; with ``fleet``, fetched by one worker for
    all and kept a day (:func:`robots_max_age`)."""

    def __init__(self, fleet: FleetPoliteness | None = None) -> None:
        self._fleet = fleet
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
                self._parsers[origin] = self._load(origin, source, fetch)
            parser, problem = self._parsers[origin]
        if not parser.can_fetch(ROBOTS_TOKEN, str(url)):
            if problem:
                message = (
                    f"robots.txt of {origin} could not be read ({problem}), so every page of the site "
                    f"counts as disallowed for now (RFC 9309), including {url}; try again later"
                )
            else:
                message = (
                    f"robots.txt of {origin} disallows {url}; kzfeed obeys it, drop the page from the source"
                )
            raise FetchError(source, message, url=str(url))

    def _load(
        self, origin: str, source: str, fetch: Callable[[str, str], tuple[int, bytes]]
    ) -> tuple[RobotFileParser, str]:
        def answer() -> tuple[int, str]:
            try:
                status, content = fetch(f"{origin}/robots.txt", source)
            except FetchError as exc:
                return 0, str(exc).split(": ", 1)[-1]  # why the site could not be reached
            return status, content.decode("utf-8", errors="replace") if 200 <= status < 300 else ""

        if self._fleet is None:
            status, body = answer()
        else:
            status, body = self._fleet.shared_robots(origin, answer, max_age=robots_max_age)
        return _parse(origin, status, body)


def _parse(origin: str, status: int, body: str) -> tuple[RobotFileParser, str]:
    """The rules of a robots.txt answer (``status`` 0: unreachable, ``body`` says why), and
    the problem that made kzfeed assume everything is disallowed ("" when there is none)."""
    parser = RobotFileParser(f"{origin}/robots.txt")
    if status == 0:
        parser.parse(_DISALLOW_ALL)
        return parser, body
    if 200 <= status < 300:
        parser.parse(body.splitlines())
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
