"""The fetcher against a real HTTP server on 127.0.0.1: caching, limits, politeness, errors."""

from __future__ import annotations

import email.utils
import gzip
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import kzfeed
from kzfeed.errors import ConfigError, FetchError
from kzfeed.http import (
    CacheEntry,
    Fetcher,
    FetchPolicy,
    HttpCache,
    MemoryHttpCache,
    decode_text,
    default_user_agent,
    next_attempt_after,
)
from kzfeed.testing._httpserver import LocalHTTPServer

HTTP_DATA = Path(__file__).parent / "data" / "http"
CONTACT = "https://example.org/kzfeed-operator"
UA = default_user_agent(CONTACT)
LOOPBACK = ("127.0.0.1",)  # the test servers listen there: nothing else non-public is fetched
RUSSIAN = (
    "Казахстан и Европейский союз подписали меморандум о сотрудничестве в области "
    "критического сырья, аккумуляторов и возобновляемого водорода. Переговоры прошли в Астане."
)
FRENCH = (
    "Le Kazakhstan et l'Union européenne renforcent leur coopération énergétique à Astana. "
    "Déjà, les échanges de matières premières ont progressé, malgré la conjoncture."
)

MakeFetcher = Callable[..., Fetcher]


@pytest.fixture
def make_fetcher() -> Iterator[MakeFetcher]:
    """Build fetchers for tests: 127.0.0.1 allowed and exempt from the delay, a memory cache."""
    made: list[Fetcher] = []

    def make(cache: HttpCache | None = None, **policy: Any) -> Fetcher:
        policy = {
            "user_agent": UA,
            "exempt_loopback": True,
            "read_timeout": 5.0,
            "allow_private": LOOPBACK,
            **policy,
        }
        fetcher = Fetcher(FetchPolicy(**policy), cache=cache if cache is not None else MemoryHttpCache())
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        fetcher.close()


def _http_date(when: datetime) -> str:
    return email.utils.format_datetime(when, usegmt=True)


# -- basics --------------------------------------------------------------------------------------


def test_get_returns_content_headers_and_text(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher
) -> None:
    result = make_fetcher().get(http_server.url("/page.html"), source="test")
    assert result.status == 200
    assert result.url == http_server.url("/page.html")
    assert result.content == (HTTP_DATA / "page.html").read_bytes()
    assert result.headers["content-type"] == "text/html"
    assert all(key == key.lower() for key in result.headers)
    assert result.content_type == "text/html"
    assert "Қазақстан" in result.text
    assert (result.not_modified, result.from_cache, result.permanent_url) == (False, False, None)


def test_user_agent_names_kzfeed_version_and_contact(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher
) -> None:
    make_fetcher().get(http_server.url("/page.html"), source="test")
    sent = http_server.requests[0].headers["user-agent"]
    assert sent == f"kzfeed/{kzfeed.__version__} (+{CONTACT})"


def test_a_cookie_a_site_sets_is_sent_back_to_it_for_the_rest_of_the_run(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher
) -> None:
    """(Pages behind a consent or session cookie.) Answers without Set-Cookie keep the jar as
    it is; a new Set-Cookie replaces the value."""
    http_server.route(
        "/consent", body=b"ok", content_type="text/plain", headers={"Set-Cookie": "consent=yes; Path=/"}
    )
    fetcher = make_fetcher()
    fetcher.get(http_server.url("/page.html"), source="test")
    fetcher.get(http_server.url("/consent"), source="test")
    fetcher.get(http_server.url("/page.html"), source="test")
    fetcher.get(http_server.url("/feed.xml"), source="test")
    http_server.route(
        "/consent", body=b"ok", content_type="text/plain", headers={"Set-Cookie": "consent=no; Path=/"}
    )
    fetcher.get(http_server.url("/consent"), source="test")
    fetcher.get(http_server.url("/page.html"), source="test")
    sent = [r.headers.get("cookie") for r in http_server.requests]
    assert sent == [None, None, "consent=yes", "consent=yes", "consent=yes", "consent=no"]


def test_user_agent_needs_a_contact() -> None:
    with pytest.raises(ConfigError, match="contact"):
        default_user_agent("  ")


@pytest.mark.parametrize(
    "bad", [{"per_host_concurrency": 0}, {"max_bytes": 0}, {"read_timeout": -1.0}, {"user_agent": ""}]
)
def test_policy_rejects_impossible_values(bad: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="fetch policy"):
        FetchPolicy(**{"user_agent": UA, **bad})


def test_memory_cache_is_an_http_cache() -> None:
    assert isinstance(MemoryHttpCache(), HttpCache)


def test_fetcher_is_a_context_manager(http_server: LocalHTTPServer) -> None:
    with Fetcher(FetchPolicy(user_agent=UA, exempt_loopback=True, allow_private=LOOPBACK)) as fetcher:
        assert fetcher.get(http_server.url("/feed.xml"), source="test").status == 200
    with pytest.raises(RuntimeError):
        fetcher.get(http_server.url("/feed.xml"), source="test")


# -- conditional requests and caching ------------------------------------------------------------

VALIDATORS = {"ETag": '"v1"', "Last-Modified": "Mon, 06 Jan 2025 10:00:00 GMT"}


def test_second_request_is_conditional_and_304_is_not_modified(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher
) -> None:
    http_server.route("/feed.xml", headers=VALIDATORS, conditional=True)
    fetcher = make_fetcher()
    first = fetcher.get(http_server.url("/feed.xml"), source="test")
    second = fetcher.get(http_server.url("/feed.xml"), source="test")
    assert first.content and not first.not_modified
    assert (second.status, second.not_modified, second.from_cache, second.content) == (304, True, False, b"")
    sent = [r.headers for r in http_server.requests_to("/feed.xml")]
    assert "if-none-match" not in sent[0] and "if-modified-since" not in sent[0]
    assert sent[1]["if-none-match"] == '"v1"'
    assert sent[1]["if-modified-since"] == "Mon, 06 Jan 2025 10:00:00 GMT"


def test_validators_survive_a_304_without_them(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher
) -> None:
    http_server.route("/feed.xml", headers=VALIDATORS)
    fetcher = make_fetcher()
    fetcher.get(http_server.url("/feed.xml"), source="test")
    http_server.route("/feed.xml", status=304)  # a bare 304, as some servers send
    assert fetcher.get(http_server.url("/feed.xml"), source="test").not_modified
    fetcher.get(http_server.url("/feed.xml"), source="test")
    assert http_server.requests_to("/feed.xml")[2].headers["if-none-match"] == '"v1"'


def test_force_asks_for_the_whole_body(http_server: LocalHTTPServer, make_fetcher: MakeFetcher) -> None:
    http_server.route("/feed.xml", headers={**VALIDATORS, "Cache-Control": "max-age=600"}, conditional=True)
    fetcher = make_fetcher()
    fetcher.get(http_server.url("/feed.xml"), source="test")
    again = fetcher.get(http_server.url("/feed.xml"), source="test", force=True)
    assert again.content == (HTTP_DATA / "feed.xml").read_bytes()
    second = http_server.requests_to("/feed.xml")[1]
    assert "if-none-match" not in second.headers


@pytest.mark.parametrize(
    ("headers", "requests"),
    [
        ({"Cache-Control": "public, max-age=3600"}, 1),
        ({"Expires": _http_date(datetime.now(UTC) + timedelta(hours=1))}, 1),
        ({"Cache-Control": "max-age=3600", "Age": "3600"}, 2),  # already used up by a proxy
        ({"Cache-Control": "no-cache, max-age=3600"}, 2),
        ({"Expires": _http_date(datetime.now(UTC) - timedelta(hours=1))}, 2),
        ({"Expires": "0"}, 2),
        ({}, 2),
    ],
)
def test_fresh_answers_are_served_from_cache_without_a_request(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher, headers: dict[str, str], requests: int
) -> None:
    http_server.route("/feed.xml", headers=headers)
    fetcher = make_fetcher()
    fetcher.get(http_server.url("/feed.xml"), source="test")
    second = fetcher.get(http_server.url("/feed.xml"), source="test")
    assert len(http_server.requests_to("/feed.xml")) == requests
    assert second.from_cache == (requests == 1)
    if second.from_cache:
        assert (second.not_modified, second.content) == (True, b"")


def test_force_ignores_freshness(http_server: LocalHTTPServer, make_fetcher: MakeFetcher) -> None:
    http_server.route("/feed.xml", headers={"Cache-Control": "max-age=3600"})
    fetcher = make_fetcher()
    fetcher.get(http_server.url("/feed.xml"), source="test")
    result = fetcher.get(http_server.url("/feed.xml"), source="test", force=True)
    assert not result.from_cache and result.content
    assert len(http_server.requests_to("/feed.xml")) == 2


def test_freshness_is_capped(http_server: LocalHTTPServer, make_fetcher: MakeFetcher) -> None:
    http_server.route("/feed.xml", headers={"Cache-Control": "max-age=31536000"})
    cache = MemoryHttpCache()
    make_fetcher(cache=cache, max_cache_lifetime=600).get(http_server.url("/feed.xml"), source="test")
    entry = cache.load(http_server.url("/feed.xml"))
    assert entry is not None and entry.expires is not None
    assert entry.expires <= datetime.now(UTC) + timedelta(seconds=600)


# -- redirects -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "permanent"), [(301, True), (308, True), (302, False), (307, False)])
def test_permanent_redirects_are_reported(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher, status: int, permanent: bool
) -> None:
    http_server.redirect("/old-feed", "/feed.xml", status=status)
    result = make_fetcher().get(http_server.url("/old-feed"), source="test")
    assert result.url == http_server.url("/feed.xml")
    assert result.content == (HTTP_DATA / "feed.xml").read_bytes()
    assert result.permanent_url == (http_server.url("/feed.xml") if permanent else None)


def test_permanent_url_stops_at_the_first_temporary_hop(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher
) -> None:
    http_server.redirect("/a", "/b", status=301)
    http_server.redirect("/b", "/feed.xml", status=302)
    result = make_fetcher().get(http_server.url("/a"), source="test")
    assert (result.url, result.permanent_url) == (http_server.url("/feed.xml"), http_server.url("/b"))


@pytest.mark.parametrize(("hops", "ok"), [(5, True), (6, False)])
def test_at_most_five_redirects(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher, hops: int, ok: bool
) -> None:
    for i in range(hops):
        http_server.redirect(f"/r{i}", f"/r{i + 1}" if i + 1 < hops else "/feed.xml")
    fetcher = make_fetcher()
    if ok:
        assert fetcher.get(http_server.url("/r0"), source="test").status == 200
    else:
        with pytest.raises(FetchError, match="more than 5 redirects"):
            fetcher.get(http_server.url("/r0"), source="test")
        assert len(http_server.requests) == 6  # gave up without asking for the seventh


def test_redirect_to_another_scheme_is_refused(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher
) -> None:
    http_server.redirect("/ftp", "ftp://127.0.0.1/feed.xml")
    with pytest.raises(FetchError, match="not an http"):
        make_fetcher().get(http_server.url("/ftp"), source="test")


# -- HTTP errors ---------------------------------------------------------------------------------


def test_404_says_what_to_do(http_server: LocalHTTPServer, make_fetcher: MakeFetcher) -> None:
    url = http_server.url("/missing.html")
    with pytest.raises(FetchError) as caught:
        make_fetcher().get(url, source="astana-times")
    assert (
        str(caught.value) == f"source 'astana-times': HTTP 404 for {url}; check the URL or disable the source"
    )
    assert (caught.value.status, caught.value.url, caught.value.source) == (404, url, "astana-times")


def test_410_says_the_source_will_be_paused(http_server: LocalHTTPServer, make_fetcher: MakeFetcher) -> None:
    http_server.route("/feed.xml", status=410)
    with pytest.raises(
        FetchError, match=r"410 Gone.*will be paused.*kzfeed sources reset eu-reporter"
    ) as caught:
        make_fetcher().get(http_server.url("/feed.xml"), source="eu-reporter")
    assert caught.value.status == 410


def test_error_after_redirect_names_both_urls(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher
) -> None:
    http_server.redirect("/old", "/missing.html")
    with pytest.raises(FetchError, match=r"missing\.html \(redirected from .*/old\)"):
        make_fetcher().get(http_server.url("/old"), source="test")


def test_500_is_a_server_failure(http_server: LocalHTTPServer, make_fetcher: MakeFetcher) -> None:
    http_server.route("/feed.xml", status=500)
    with pytest.raises(FetchError, match="server failed; kzfeed will retry later") as caught:
        make_fetcher().get(http_server.url("/feed.xml"), source="test")
    assert caught.value.status == 500


@pytest.mark.parametrize(
    ("status", "retry_after"),
    [
        (429, "120"),
        (503, _http_date(datetime.now(UTC) + timedelta(hours=1))),
    ],
)
def test_retry_after_blocks_requests_until_then(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher, status: int, retry_after: str
) -> None:
    http_server.route("/feed.xml", status=status, headers={"Retry-After": retry_after})
    cache = MemoryHttpCache()
    fetcher = make_fetcher(cache=cache)
    url = http_server.url("/feed.xml")
    with pytest.raises(FetchError, match="asks kzfeed to wait, no request before") as first:
        fetcher.get(url, source="test")
    assert first.value.status == status
    for force in (False, True):  # not even a forced fetch
        with pytest.raises(FetchError, match="asked kzfeed to wait") as again:
            fetcher.get(url, source="test", force=force)
        assert again.value.status == status
    assert len(http_server.requests_to("/feed.xml")) == 1
    entry = cache.load(url)
    assert entry is not None and entry.retry_after is not None
    assert (
        datetime.now(UTC) + timedelta(seconds=100)
        < entry.retry_after
        < datetime.now(UTC) + timedelta(hours=2)
    )


def test_requests_resume_after_retry_after(http_server: LocalHTTPServer, make_fetcher: MakeFetcher) -> None:
    cache = MemoryHttpCache()
    url = http_server.url("/feed.xml")
    cache.save(url, CacheEntry(retry_after=datetime.now(UTC) - timedelta(seconds=1), last_status=429))
    assert make_fetcher(cache=cache).get(url, source="test").status == 200


def test_503_without_retry_after_does_not_block(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher
) -> None:
    http_server.route("/feed.xml", status=503)
    fetcher = make_fetcher()
    for _ in range(2):
        with pytest.raises(FetchError, match="HTTP 503"):
            fetcher.get(http_server.url("/feed.xml"), source="test")
    assert len(http_server.requests_to("/feed.xml")) == 2


def test_back_off_doubles_up_to_the_cap() -> None:
    policy = FetchPolicy(user_agent=UA, backoff_base=60.0, backoff_cap=3600.0)
    delays = [next_attempt_after(n, policy) for n in (0, 1, 2, 3, 6, 7, 10_000)]
    assert delays == [timedelta(seconds=s) for s in (0, 60, 120, 240, 1920, 3600, 3600)]


# -- network failures and limits -----------------------------------------------------------------


def test_read_timeout(http_server: LocalHTTPServer, make_fetcher: MakeFetcher) -> None:
    http_server.route("/slow", delay=2.0)
    with pytest.raises(FetchError, match="read timeout") as caught:
        make_fetcher(read_timeout=0.2).get(http_server.url("/slow"), source="test")
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert caught.value.status is None


def test_total_timeout_while_streaming(make_fetcher: MakeFetcher) -> None:
    def trickle() -> Iterator[bytes]:
        for _ in range(50):
            time.sleep(0.02)
            yield b"x" * 10

    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=trickle()))
    fetcher = Fetcher(FetchPolicy(user_agent=UA, total_timeout=0.2), transport=transport)
    with fetcher, pytest.raises(FetchError, match="total timeout") as caught:
        fetcher.get("http://feeds.example/slow.xml", source="test")
    assert isinstance(caught.value.__cause__, httpx.TimeoutException)


def test_connection_refused(make_fetcher: MakeFetcher) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match="could not connect") as caught:
        make_fetcher().get(f"http://127.0.0.1:{port}/feed.xml", source="test")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_non_http_url_is_refused(make_fetcher: MakeFetcher) -> None:
    with pytest.raises(FetchError, match="not an http"):
        make_fetcher().get("file:///etc/passwd", source="test")


@pytest.mark.parametrize("content_length", [True, False])
def test_oversized_body(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher, content_length: bool
) -> None:
    http_server.route("/big", body=b"x" * 50_000, content_length=content_length)
    with pytest.raises(FetchError, match="larger than the limit of 10,000 bytes"):
        make_fetcher(max_bytes=10_000).get(http_server.url("/big"), source="test")
    assert make_fetcher(max_bytes=50_000).get(http_server.url("/big"), source="test").content == b"x" * 50_000


def test_gzip_body_is_decompressed(http_server: LocalHTTPServer, make_fetcher: MakeFetcher) -> None:
    http_server.route("/page.html", gzip=True)
    result = make_fetcher().get(http_server.url("/page.html"), source="test")
    assert result.content == (HTTP_DATA / "page.html").read_bytes()
    assert "content-encoding" not in result.headers
    assert "gzip" in http_server.requests[0].headers["accept-encoding"]


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])  # zlib-wrapped and raw deflate
def test_deflate_body_is_decompressed(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher, wbits: int
) -> None:
    packer = zlib.compressobj(wbits=wbits)
    body = packer.compress(b"deflated " * 100) + packer.flush()
    http_server.route("/d", body=body, headers={"Content-Encoding": "deflate"})
    assert make_fetcher().get(http_server.url("/d"), source="test").content == b"deflated " * 100


@pytest.mark.parametrize("content_length", [True, False])
def test_gzip_bomb_stops_at_the_decompressed_cap(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher, content_length: bool
) -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    assert len(bomb) < 100_000
    http_server.route("/bomb", body=bomb, headers={"Content-Encoding": "gzip"}, content_length=content_length)
    with pytest.raises(FetchError, match="once decompressed"):
        make_fetcher(max_bytes=1_000_000).get(http_server.url("/bomb"), source="test")


@pytest.mark.parametrize(
    ("encoding", "body", "message"),
    [("gzip", b"not gzip at all", "corrupt"), ("br", b"\x0b\x02\x80", "unsupported Content-Encoding 'br'")],
)
def test_undecodable_bodies(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher, encoding: str, body: bytes, message: str
) -> None:
    http_server.route("/x", body=body, headers={"Content-Encoding": encoding})
    with pytest.raises(FetchError, match=message):
        make_fetcher().get(http_server.url("/x"), source="test")


# -- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "content_type", "expected"),
    [
        ("cp1251.html", "text/html", RUSSIAN),
        ("cp1251.html", "text/html; charset=ISO-8859-1", RUSSIAN),
        ("cp1251.html", "text/html; charset=utf-8", RUSSIAN),
        ("cp1251.html", "text/html; charset=windows-1251", RUSSIAN),
        ("cp1251.html", "text/html; charset=no-such-charset", RUSSIAN),
        ("latin1.html", "text/html", FRENCH),
        ("latin1.html", "text/html; charset=utf-8", FRENCH),
        ("latin1.html", "text/html; charset=iso-8859-1", FRENCH),
        ("page.html", "text/html", "raw materials in Astana — Қазақстан"),
    ],
)
def test_text_survives_missing_or_wrong_charsets(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher, file: str, content_type: str, expected: str
) -> None:
    http_server.route("/page", file=file, content_type=content_type)
    assert expected in make_fetcher().get(http_server.url("/page"), source="test").text


def test_decode_text_reads_in_document_declarations_and_boms() -> None:
    feed = '<?xml version="1.0" encoding="windows-1251"?><rss><title>Астана</title></rss>'
    assert decode_text(feed.encode("cp1251")) == feed
    assert decode_text("\ufeffҚазақстан".encode()) == "Қазақстан"
    assert decode_text("Қазақстан".encode("utf-16")) == "Қазақстан"
    assert decode_text(b"plain ascii", "text/plain; charset=utf-16") == "plain ascii"
    assert decode_text(b"") == ""
    # one stray byte in a long UTF-8 page must not turn the whole page into mojibake
    body = (RUSSIAN + " ").encode() * 5
    assert RUSSIAN in decode_text(body[:300] + b"\xff" + body[300:], "text/html; charset=utf-8")
    assert RUSSIAN in decode_text(body[:300] + b"\xff" + body[300:])


# -- robots.txt ----------------------------------------------------------------------------------


def test_robots_txt_disallow_is_obeyed(http_server: LocalHTTPServer, make_fetcher: MakeFetcher) -> None:
    url = http_server.url("/no-kzfeed/page.html")
    fetcher = make_fetcher()
    with pytest.raises(FetchError, match=r"robots\.txt of .* disallows .*/no-kzfeed/page\.html") as caught:
        fetcher.get(url, source="test", check_robots=True)
    assert caught.value.url == url
    assert fetcher.get(http_server.url("/page.html"), source="test", check_robots=True).status == 200
    assert [r.path for r in http_server.requests] == ["/robots.txt", "/page.html"]  # read once


def test_robots_txt_is_not_checked_unless_asked(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher
) -> None:
    url = http_server.url("/no-kzfeed/page.html")
    assert make_fetcher().get(url, source="test").status == 200
    assert make_fetcher(obey_robots=False).get(url, source="test", check_robots=True).status == 200
    assert http_server.requests_to("/robots.txt") == []


def test_robots_txt_of_redirect_targets_is_checked(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher
) -> None:
    http_server.redirect("/go", "/private/secret.html")
    with pytest.raises(FetchError, match="disallows"):
        make_fetcher().get(http_server.url("/go"), source="test", check_robots=True)
    assert http_server.requests_to("/private/secret.html") == []


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (410, True), (503, False), (429, False)])
def test_unreadable_robots_txt(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher, status: int, allowed: bool
) -> None:
    http_server.route("/robots.txt", status=status)
    fetcher = make_fetcher()
    if allowed:
        assert fetcher.get(http_server.url("/page.html"), source="test", check_robots=True).status == 200
    else:
        with pytest.raises(FetchError, match=rf"could not be read \(HTTP {status}\)"):
            fetcher.get(http_server.url("/page.html"), source="test", check_robots=True)
        assert http_server.requests_to("/page.html") == []


# -- politeness ----------------------------------------------------------------------------------


def test_min_delay_between_requests_to_one_host(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher
) -> None:
    fetcher = make_fetcher(min_delay=0.5, exempt_loopback=False)
    fetcher.get(http_server.url("/feed.xml"), source="a")
    fetcher.get(http_server.url("/page.html"), source="b")
    first, second = http_server.requests
    # the delay is kept between the starts of the requests; arrival times at the server jitter
    # by a connection set-up (more on a loaded machine), so allow a wide margin — without the
    # delay the gap is a few milliseconds
    assert second.arrived - first.arrived >= 0.3


def test_loopback_can_be_exempted_from_the_delay(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher
) -> None:
    fetcher = make_fetcher(min_delay=5.0, exempt_loopback=True)
    fetcher.get(http_server.url("/feed.xml"), source="a")
    fetcher.get(http_server.url("/page.html"), source="b")
    first, second = http_server.requests
    assert second.arrived - first.arrived < 2.5


@pytest.mark.parametrize("limit", [1, 2])
def test_per_host_concurrency_limit(
    http_server: LocalHTTPServer, make_fetcher: MakeFetcher, limit: int
) -> None:
    http_server.route("/slow", body=b"ok", delay=0.2)
    fetcher = make_fetcher(per_host_concurrency=limit)
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def fetch() -> None:
        start.wait()
        try:
            fetcher.get(http_server.url("/slow"), source="test")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(http_server.requests_to("/slow")) == 4
    assert http_server.max_concurrent == limit
