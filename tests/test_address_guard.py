"""Server-side request forgery: kzfeed fetches only public Internet addresses unless
``[fetch] allow_private`` lists them, checked on the address connected to, on every hop."""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import HTTP_DATA, CliResult
from kzfeed.config._load import load_config
from kzfeed.errors import ConfigError, FetchError
from kzfeed.http import AllowList, Fetcher, FetchPolicy, MemoryHttpCache, address_problem, default_user_agent
from kzfeed.storage import open_store
from kzfeed.testing._httpserver import LocalHTTPServer

Kz = Callable[..., CliResult]
Write = Callable[[str], Path]
UA = default_user_agent("mailto:ops@example.org")


@pytest.fixture
def other_server() -> Iterator[LocalHTTPServer]:
    """A second server on 127.0.0.1 (another port): the "internal" service nobody allowed."""
    with LocalHTTPServer(root=HTTP_DATA) as server:
        server.route("/secret.html", body=b"<html><body><p>SECRET-INTERNAL-DATA</p></body></html>")
        yield server


def fetcher(*allow: str, **policy: Any) -> Fetcher:
    return Fetcher(
        FetchPolicy(user_agent=UA, min_delay=0, allow_private=allow, **policy), cache=MemoryHttpCache()
    )


def refused(url: str, *allow: str) -> FetchError:
    with fetcher(*allow) as http, pytest.raises(FetchError) as caught:
        http.get(url, source="intranet")
    return caught.value


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.2", "loopback"),
        ("::1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("fd00::1", "unique-local"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("64:ff9b::7f00:1", "loopback"),
        ("192.0.2.1", "reserved"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_non_public_addresses_are_named(address: str, why: str) -> None:
    problem = address_problem(ipaddress.ip_address(address))
    assert problem is not None and why in problem


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


def test_loopback_is_refused_by_default_and_the_error_says_what_to_do(http_server: LocalHTTPServer) -> None:
    port = http_server.base_url.rsplit(":", 1)[1]
    error = refused(http_server.url("/feed.xml"))
    assert "127.0.0.1 is a loopback address" in str(error)
    assert f'add "127.0.0.1:{port}" to allow_private in [fetch]' in str(error)
    assert error.source == "intranet"
    assert http_server.requests == []  # refused before anything was sent


def test_exempt_loopback_lifts_only_the_delay_it_does_not_allow_fetching(
    http_server: LocalHTTPServer,
) -> None:
    with fetcher(exempt_loopback=True) as http, pytest.raises(FetchError, match="allow_private"):
        http.get(http_server.url("/feed.xml"), source="x")
    assert http_server.requests == []


@pytest.mark.parametrize(
    "host",
    ["localhost", "127.0.0.2", "0.0.0.0", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "2130706433", "0x7f.1"],
)
def test_every_spelling_of_this_machine_is_refused(host: str, http_server: LocalHTTPServer) -> None:
    port = http_server.base_url.rsplit(":", 1)[1]
    with fetcher() as http, pytest.raises(FetchError, match=r"not a public Internet address|invalid URL"):
        http.get(f"http://{host}:{port}/feed.xml", source="x")
    assert http_server.requests == []


def test_a_public_looking_name_that_resolves_to_a_private_address_is_refused(
    http_server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What counts is the address connected to, after DNS resolution (DNS rebinding)."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(host)
        return real("127.0.0.1" if host == "news.example" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    port = http_server.base_url.rsplit(":", 1)[1]
    error = refused(f"http://news.example:{port}/feed.xml")
    assert "news.example (127.0.0.1) is a loopback address" in str(error)
    assert http_server.requests == [] and asked == ["news.example"]
    # the same name, listed by the operator, is let through
    with fetcher("news.example") as http:
        assert http.get(f"http://news.example:{port}/feed.xml", source="x").status == 200


def test_a_redirect_to_an_unlisted_address_is_refused_on_that_hop(
    http_server: LocalHTTPServer, other_server: LocalHTTPServer
) -> None:
    port = http_server.base_url.rsplit(":", 1)[1]
    http_server.redirect("/moved.xml", other_server.url("/secret.html"))
    error = refused(http_server.url("/moved.xml"), f"127.0.0.1:{port}")
    assert f"refused to fetch {other_server.url('/secret.html')} (redirected from" in str(error)
    assert len(http_server.requests_to("/moved.xml")) == 1
    assert other_server.requests == []


@pytest.mark.parametrize(
    "entry", ["127.0.0.1", "127.0.0.0/8", "localhost", "LOCALHOST:{port}", "127.0.0.1:{port}"]
)
def test_allow_private_entries_let_the_listed_place_through(entry: str, http_server: LocalHTTPServer) -> None:
    port = http_server.base_url.rsplit(":", 1)[1]
    url = http_server.url("/feed.xml")
    if entry.lower().startswith("localhost"):
        url = url.replace("127.0.0.1", "localhost")
    with fetcher(entry.format(port=port)) as http:
        assert http.get(url, source="x").status == 200


def test_a_port_in_allow_private_lets_only_that_port_through(http_server: LocalHTTPServer) -> None:
    error = refused(
        http_server.url("/feed.xml"), "127.0.0.1:1", "10.0.0.0/8", "[::1]:8080", "intranet.example"
    )
    assert "allow_private" in str(error)
    assert http_server.requests == []


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ("10.1.0.5/16", "not a valid address or range"),
        ("127.0.0.1:http", "not a number from 1 to 65535"),
        ("127.0.0.1:70000", "not a number from 1 to 65535"),
        ("intranet example", "not a valid host name"),
        ("http://intranet.example/", "is a URL"),
        ("intranet.example/feeds", "is a URL"),
        ("[::1]x", "':port'"),
        ("", "non-empty"),
    ],
)
def test_bad_allow_private_entries_are_configuration_errors(entry: str, said: str) -> None:
    with pytest.raises(ConfigError, match="allow_private") as caught:
        AllowList([entry])
    assert said in str(caught.value)


def test_kzfeed_run_with_a_bad_entry_exits_2_with_one_line(kzfeed: Kz, write_config: Write) -> None:
    write_config('[fetch]\nallow_private = ["10.1.0.5/16"]\n')
    result = kzfeed("run")
    assert result.exit_code == 2
    assert (
        result.stderr.count("\n") == 1 and "allow_private" in result.stderr and "10.1.0.5/16" in result.stderr
    )
    write_config("[fetch]\nallow_private = [8080]\n")
    result = kzfeed("run")
    assert result.exit_code == 2 and "fetch.allow_private" in result.stderr


def test_a_feed_linking_to_an_internal_page_does_not_publish_it(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer, other_server: LocalHTTPServer
) -> None:
    """Entry links (fetched for their full text) pointing at an unlisted internal service are
    refused; the feed's own text is kept, the other source of the run is stored, feeds written."""
    feed = (HTTP_DATA / "web/feeds/summary.xml").read_text(encoding="utf-8")
    feed = feed.replace(
        "<link>/web/articles/erasmus-students-astana-2025.html", f"<link>{other_server.url('/secret.html')}"
    )
    http_server.route("/hostile.xml", body=feed.encode(), content_type="application/rss+xml")
    port = http_server.base_url.rsplit(":", 1)[1]
    sources = "".join(
        f'[[sources]]\nname = "{name}"\ntype = "rss"\nurl = "{http_server.url(path)}"\n'
        for name, path in (("hostile", "/hostile.xml"), ("good", "/web/feeds/full.xml"))
    )
    write_config(
        f'[fetch]\nallow_private = ["127.0.0.1:{port}"]\ncontact_url = "mailto:ops@example.org"\n{sources}'
    )
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    assert other_server.requests == []
    assert "not a public Internet address" in result.stderr
    public = Path("public")
    written = "".join(
        p.read_text(encoding="utf-8") for p in public.glob("*.*") if p.suffix in (".atom", ".rss", ".json")
    )
    assert "SECRET-INTERNAL-DATA" not in written
    store = open_store(load_config(None).database)
    try:
        items = store.items(relevant=None)
    finally:
        store.close()
    assert {i.source for i in items} == {"hostile", "good"}
    erasmus = next(i for i in items if "Erasmus" in i.title)
    assert erasmus.content_text.startswith("The number of Kazakh students")  # the feed's own text
    assert json.loads((public / "feed.json").read_text(encoding="utf-8"))["items"] is not None
