"""Waits a server asks for (Retry-After) are capped, and the operator can always clear them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from conftest import CliResult
from kzfeed.config._load import load_config
from kzfeed.errors import FetchError
from kzfeed.http import CacheEntry, Fetcher, FetchPolicy, MemoryHttpCache, default_user_agent
from kzfeed.storage import open_store
from kzfeed.testing._httpserver import LocalHTTPServer

Kz = Callable[..., CliResult]
Write = Callable[[str], Path]
WEEK = timedelta(days=7)


def refused_until(server: LocalHTTPServer, **policy: float) -> datetime:
    fetcher = Fetcher(
        FetchPolicy(
            user_agent=default_user_agent("mailto:ops@example.org"),
            min_delay=0,
            allow_private=("127.0.0.1",),
            **policy,  # type: ignore[arg-type]
        ),
        cache=MemoryHttpCache(),
    )
    with fetcher, pytest.raises(FetchError) as caught:
        fetcher.get(server.url("/busy.xml"), source="busy")
    assert caught.value.retry_after is not None
    return caught.value.retry_after


@pytest.mark.parametrize(
    "value", ["99999999999999", "9" * 400, "Fri, 31 Dec 9999 23:59:59 GMT", "Sat, 01 Jan 2050 00:00:00 GMT"]
)
def test_a_huge_or_far_retry_after_is_capped_at_a_week(value: str, http_server: LocalHTTPServer) -> None:
    http_server.route("/busy.xml", status=429, headers={"Retry-After": value})
    until = refused_until(http_server)
    assert until - datetime.now(UTC) <= WEEK
    assert until - datetime.now(UTC) > WEEK - timedelta(minutes=1)


def test_the_cap_is_configurable_and_short_waits_are_kept(http_server: LocalHTTPServer) -> None:
    http_server.route("/busy.xml", status=503, headers={"Retry-After": "7200"})
    assert refused_until(http_server, max_retry_wait=3600) - datetime.now(UTC) <= timedelta(hours=1)
    http_server.route("/busy.xml", status=503, headers={"Retry-After": "120"})
    assert timedelta(seconds=100) < refused_until(http_server) - datetime.now(UTC) <= timedelta(seconds=120)


def config(write_config: Write, url: str, extra: str = "") -> None:
    write_config(
        f'[fetch]\nallow_private = ["127.0.0.1"]\ncontact_url = "mailto:ops@example.org"\n{extra}'
        f'[[sources]]\nname = "busy"\ntype = "rss"\nurl = "{url}"\n'
        '[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n'
    )


def stored_waits() -> list[datetime]:
    store = open_store(load_config(None).database)
    try:
        with store._engine.connect() as conn:
            urls = [r[0] for r in conn.execute(text("SELECT url FROM http_cache"))]
        entries = [store.http_cache().load(url) for url in urls]
        return [e.retry_after for e in entries if e is not None and e.retry_after is not None]
    finally:
        store.close()


@pytest.mark.parametrize("clear", [("sources", "reset", "busy"), ("run", "--refetch", "--source", "busy")])
def test_a_huge_retry_after_fails_one_source_and_reset_or_refetch_clears_every_wait(
    clear: tuple[str, ...], kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer
) -> None:
    http_server.route("/busy.xml", status=429, headers={"Retry-After": "99999999999999"})
    config(write_config, http_server.url("/busy.xml"))
    first = kzfeed("run")
    assert first.exit_code == 1 and "Traceback" not in first.stderr
    assert "HTTP 429" in first.stderr and "seeds: 5 new" in first.stdout
    assert len(stored_waits()) == 1
    # the server is back; without a reset the wait is honoured (no request)
    http_server.route("/busy.xml", file="web/feeds/full.xml", content_type="application/rss+xml")
    assert kzfeed("run", "--source", "busy").exit_code == 1
    assert len(http_server.requests_to("/busy.xml")) == 1
    cleared = kzfeed(*clear)
    if clear[0] == "sources":
        assert cleared.exit_code == 0
        assert stored_waits() == []
        cleared = kzfeed("run")
    assert cleared.exit_code == 0, cleared.stdout + cleared.stderr
    assert "busy: 1 new" in cleared.stdout
    assert len(http_server.requests_to("/busy.xml")) == 2


def test_a_stored_wait_beyond_the_cap_is_cut_to_it_and_ends(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer
) -> None:
    """A wait stored by an older kzfeed (year 9999) is cut to the cap, so it ends one day."""
    http_server.route("/busy.xml", status=429, headers={"Retry-After": "60"})
    config(write_config, http_server.url("/busy.xml"), "max_retry_wait = 600\n")
    assert kzfeed("run").exit_code == 1
    store = open_store(load_config(None).database)
    cache = store.http_cache()
    cache.save(
        http_server.url("/busy.xml"),
        CacheEntry(retry_after=datetime(9999, 12, 31, tzinfo=UTC), last_status=429),
    )
    store.close()
    result = kzfeed("run", "--source", "busy")
    assert result.exit_code == 1 and "asked kzfeed to wait" in result.stderr
    (wait,) = stored_waits()
    assert wait - datetime.now(UTC) <= timedelta(seconds=600)
