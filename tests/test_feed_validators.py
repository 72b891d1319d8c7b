"""The stored validators of the sources' feeds are read a claimed batch at a time, in one query,
not one query a source; conditional requests are sent as before."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import pytest

from conftest import CliResult
from kzfeed.config import SourceConfig
from kzfeed.models import CacheEntry, RawItem, SourceState
from kzfeed.pipeline._collect import Collector
from kzfeed.sources import CONFIGURED_URL, SourceContext
from kzfeed.storage._runrows import TableHttpCache
from kzfeed.testing._httpserver import LocalHTTPServer

FEEDS = 6


class _Later(Executor):
    """Runs what was submitted only when told: every source is submitted before any starts."""

    def __init__(self) -> None:
        self.waiting: list[tuple[Future[Any], Callable[[], Any]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self.waiting.append((future, lambda: fn(*args, **kwargs)))
        return future

    def run(self) -> None:
        waiting, self.waiting = self.waiting, []
        for future, call in waiting:
            future.set_result(call())


class _Fetcher:
    def __init__(self) -> None:
        self.expected: list[list[str]] = []

    def expect(self, urls: list[str]) -> None:
        self.expected.append(list(urls))

    def stopped(self, source: str) -> bool:
        return False


class _Staged:
    def take(self, source: str) -> dict[str, CacheEntry]:
        return {}


class _Feed:
    def __init__(self, url: str | None) -> None:
        self.url = url

    def fetch(self, ctx: SourceContext) -> Iterator[RawItem]:
        return iter(())


def test_the_sources_submitted_before_a_fetch_starts_have_their_feeds_read_at_once(tmp_path: Path) -> None:
    fetcher = _Fetcher()
    collector = Collector(
        store=None,  # type: ignore[arg-type]  # not asked: the sources yield nothing
        fetcher=fetcher,  # type: ignore[arg-type]
        staged=_Staged(),  # type: ignore[arg-type]
        extractor=None,  # type: ignore[arg-type]
        root=tmp_path,
        refetch=False,
    )
    threads = _Later()
    moved = SourceState(
        name="s1", url="https://moved.example/feed", cursor={CONFIGURED_URL: "https://a.example/1"}
    )
    sources = [
        ("s0", _Feed("https://a.example/0"), SourceState(name="s0")),
        ("s1", _Feed("https://a.example/1"), moved),
        ("s2", _Feed(None), SourceState(name="s2")),  # an html source of listed pages: no main URL
        ("s3", _Feed("https://a.example/3"), SourceState(name="s3")),
    ]
    for name, source, state in sources:
        collector.submit(threads, SourceConfig(name=name, type="rss"), source, state)  # type: ignore[arg-type]
    threads.run()
    assert fetcher.expected == [["https://a.example/0", "https://moved.example/feed", "https://a.example/3"]]
    collector.submit(
        threads, SourceConfig(name="s4", type="rss"), _Feed("https://a.example/4"), SourceState(name="s4")
    )  # type: ignore[arg-type]
    threads.run()
    assert fetcher.expected[1:] == [["https://a.example/4"]]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The URLs of each query of the stored validators."""
    found: list[list[str]] = []
    inner = TableHttpCache.load_many

    def load_many(self: TableHttpCache, urls: Iterable[str]) -> dict[str, CacheEntry | None]:
        found.append(list(urls))
        return inner(self, found[-1])

    monkeypatch.setattr(TableHttpCache, "load_many", load_many)
    return found


def test_a_run_still_sends_each_feeds_validators(
    reads: list[list[str]],
    kzfeed: Callable[..., CliResult],
    write_config: Callable[[str], Path],
    http_server: LocalHTTPServer,
) -> None:
    lines = ['[fetch]\nallow_private = ["127.0.0.1"]\ncontact_url = "mailto:ops@example.org"\n']
    for n in range(FEEDS):
        http_server.route(
            f"/feed{n}.xml",
            file="web/feeds/full.xml",
            content_type="application/rss+xml",
            headers={"ETag": f'"v{n}"'},
            conditional=True,
        )
        lines.append(
            f'[[sources]]\nname = "f{n}"\ntype = "rss"\nurl = "{http_server.url(f"/feed{n}.xml")}"\n'
        )
    write_config("".join(lines))
    first = kzfeed("run")
    assert first.exit_code == 0, first.stdout + first.stderr
    urls = {http_server.url(f"/feed{n}.xml") for n in range(FEEDS)}
    assert urls <= {url for query in reads for url in query}
    reads.clear()
    again = kzfeed("run", "--all")
    assert again.exit_code == 0, again.stdout + again.stderr
    assert urls <= {url for query in reads for url in query}
    for n in range(FEEDS):
        first_ask, second_ask = http_server.requests_to(f"/feed{n}.xml")
        assert "if-none-match" not in first_ask.headers
        assert second_ask.headers["if-none-match"] == f'"v{n}"'
