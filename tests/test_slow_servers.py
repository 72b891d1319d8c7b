"""``total_timeout`` bounds the whole request: a server that sends its headers (or its body) one
byte every few tenths of a second is cut off, and the run goes on with the other sources."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import CliResult
from kzfeed.errors import FetchError
from kzfeed.http import Fetcher, FetchPolicy, MemoryHttpCache, default_user_agent
from kzfeed.testing._httpserver import LocalHTTPServer

Kz = Callable[..., CliResult]
Write = Callable[[str], Path]


class DripServer:
    """A raw-socket server on 127.0.0.1 that answers every request with a status line and then
    one byte of a header every ``interval`` seconds, for at most ``limit`` seconds."""

    def __init__(self, interval: float = 0.2, limit: float = 30.0, *, body: bool = False) -> None:
        self.interval, self.limit, self.body = interval, limit, body
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.accepted = 0

    def url(self, path: str = "/feed.xml") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            thread = threading.Thread(target=self.drip, args=(conn,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def drip(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.recv(65536)
            if self.body:
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n"
                )
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            ends = time.monotonic() + self.limit
            while time.monotonic() < ends and not self.stop.wait(self.interval):
                conn.sendall(b"a")

    def __enter__(self) -> DripServer:
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()
        for thread in self.threads:
            thread.join()


@pytest.fixture
def drip() -> Iterator[DripServer]:
    with DripServer() as server:
        yield server


@pytest.mark.parametrize("body", [False, True], ids=["headers", "body"])
def test_a_server_dripping_bytes_is_cut_off_at_the_total_timeout(body: bool) -> None:
    policy = FetchPolicy(
        user_agent=default_user_agent("mailto:ops@example.org"),
        read_timeout=5.0,
        total_timeout=1.0,
        min_delay=0,
        allow_private=("127.0.0.1",),
    )
    with DripServer(body=body) as server, Fetcher(policy, cache=MemoryHttpCache()) as http:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"took longer than 1 s \(total timeout\)"):
            http.get(server.url(), source="slow")
        took = time.monotonic() - started
    assert server.accepted == 1
    assert took < 2.5, f"cut off after {took:.1f} s, not about 1 s"


def test_a_run_with_a_slow_headers_source_ends_and_publishes_the_others(
    kzfeed: Kz, write_config: Write, drip: DripServer, http_server: LocalHTTPServer
) -> None:
    write_config(
        '[fetch]\nallow_private = ["127.0.0.1"]\ntotal_timeout = 1.5\nread_timeout = 10\n'
        'contact_url = "mailto:ops@example.org"\n'
        f'[[sources]]\nname = "slow"\ntype = "rss"\nurl = "{drip.url()}"\n'
        f'[[sources]]\nname = "good"\ntype = "rss"\nurl = "{http_server.url("/web/feeds/full.xml")}"\n'
    )
    started = time.monotonic()
    result = kzfeed("run")
    assert time.monotonic() - started < 15
    assert result.exit_code == 1  # a source failed
    assert "source 'slow'" in result.stderr and "(total timeout)" in result.stderr
    assert "good: 1 new" in result.stdout
    assert "lithium" in (Path("public") / "feed.atom").read_text(encoding="utf-8").lower()
