"""The local test HTTP server answers as each route says and records what it was sent."""

from __future__ import annotations

import gzip
import http.client
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kzfeed.testing._httpserver import LocalHTTPServer

HTTP_DATA = Path(__file__).parent / "data" / "http"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(headers={"Accept-Encoding": "identity"}) as c:
        yield c


def test_serves_files_from_root_with_a_guessed_type(
    http_server: LocalHTTPServer, client: httpx.Client
) -> None:
    response = client.get(http_server.url("/feed.xml"))
    assert response.status_code == 200
    assert response.content == (HTTP_DATA / "feed.xml").read_bytes()
    assert response.headers["content-type"] == "application/xml"
    assert response.headers["content-length"] == str(len(response.content))


def test_missing_file_is_404(http_server: LocalHTTPServer, client: httpx.Client) -> None:
    assert client.get(http_server.url("/nothing-here.html")).status_code == 404


def test_does_not_serve_files_outside_root(http_server: LocalHTTPServer) -> None:
    # httpx would normalise the dots away; http.client sends the path as written
    conn = http.client.HTTPConnection("127.0.0.1", int(http_server.base_url.rsplit(":", 1)[1]))
    try:
        conn.request("GET", "/../test_httpserver.py")
        response = conn.getresponse()
        assert response.status == 404
        assert b"import" not in response.read()
    finally:
        conn.close()


def test_route_sets_status_body_headers_and_type(http_server: LocalHTTPServer, client: httpx.Client) -> None:
    http_server.route(
        "/x",
        status=201,
        body=b"\xff\xfe raw",
        headers={"ETag": '"abc"', "Retry-After": "5"},
        content_type="text/plain; charset=windows-1251",
    )
    response = client.get(http_server.url("/x"))
    assert (response.status_code, response.content) == (201, b"\xff\xfe raw")
    assert response.headers["etag"] == '"abc"'
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"] == "text/plain; charset=windows-1251"


def test_route_can_serve_another_file(http_server: LocalHTTPServer, client: httpx.Client) -> None:
    http_server.route("/feed", file="feed.xml")
    response = client.get(http_server.url("/feed?page=2"))
    assert response.content == (HTTP_DATA / "feed.xml").read_bytes()
    assert response.headers["content-type"] == "application/xml"


def test_error_status_without_body_answers_its_phrase(
    http_server: LocalHTTPServer, client: httpx.Client
) -> None:
    http_server.route("/gone", status=410)
    response = client.get(http_server.url("/gone"))
    assert (response.status_code, response.text) == (410, "410 Gone")


def test_redirect_sends_location_as_given(http_server: LocalHTTPServer, client: httpx.Client) -> None:
    http_server.redirect("/old", "/feed.xml", status=308)
    response = client.get(http_server.url("/old"))
    assert (response.status_code, response.headers["location"]) == (308, "/feed.xml")
    with pytest.raises(ValueError, match="not a redirect status"):
        http_server.redirect("/old", "/feed.xml", status=200)


def test_gzip_route_compresses_the_file(http_server: LocalHTTPServer, client: httpx.Client) -> None:
    http_server.route("/page.html", gzip=True)
    with client.stream("GET", http_server.url("/page.html")) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert raw != (HTTP_DATA / "page.html").read_bytes()
    assert gzip.decompress(raw) == (HTTP_DATA / "page.html").read_bytes()


@pytest.mark.parametrize(
    ("request_headers", "status"),
    [
        ({"If-None-Match": '"v1"'}, 304),
        ({"If-None-Match": 'W/"v0", "v1"'}, 304),
        ({"If-None-Match": '"v0"'}, 200),
        ({"If-Modified-Since": "Mon, 06 Jan 2025 10:00:00 GMT"}, 304),
        ({"If-Modified-Since": "Sun, 05 Jan 2025 10:00:00 GMT"}, 200),
        # If-None-Match wins over If-Modified-Since
        ({"If-None-Match": '"v0"', "If-Modified-Since": "Mon, 06 Jan 2025 10:00:00 GMT"}, 200),
        ({}, 200),
    ],
)
def test_conditional_route_answers_304(
    http_server: LocalHTTPServer, client: httpx.Client, request_headers: dict[str, str], status: int
) -> None:
    validators = {"ETag": '"v1"', "Last-Modified": "Mon, 06 Jan 2025 10:00:00 GMT"}
    http_server.route("/feed.xml", headers=validators, conditional=True)
    response = client.get(http_server.url("/feed.xml"), headers=request_headers)
    assert response.status_code == status
    assert response.headers["etag"] == '"v1"'
    if status == 304:
        assert response.content == b""


def test_unconditional_route_ignores_validators(http_server: LocalHTTPServer, client: httpx.Client) -> None:
    http_server.route("/feed.xml", headers={"ETag": '"v1"'})
    assert client.get(http_server.url("/feed.xml"), headers={"If-None-Match": '"v1"'}).status_code == 200


def test_without_content_length_the_body_ends_with_the_connection(
    http_server: LocalHTTPServer, client: httpx.Client
) -> None:
    http_server.route("/stream", body=b"x" * 100_000, content_length=False)
    response = client.get(http_server.url("/stream"))
    assert "content-length" not in response.headers
    assert response.headers["connection"] == "close"
    assert response.content == b"x" * 100_000


def test_head_has_headers_but_no_body(http_server: LocalHTTPServer, client: httpx.Client) -> None:
    response = client.head(http_server.url("/feed.xml"))
    assert response.status_code == 200
    assert response.headers["content-length"] == str((HTTP_DATA / "feed.xml").stat().st_size)
    assert response.content == b""


def test_records_every_request(http_server: LocalHTTPServer, client: httpx.Client) -> None:
    client.get(http_server.url("/feed.xml?a=1"), headers={"X-Test": "one"})
    client.head(http_server.url("/page.html"))
    client.get(http_server.url("/feed.xml"))
    assert [(r.method, r.path) for r in http_server.requests] == [
        ("GET", "/feed.xml?a=1"),
        ("HEAD", "/page.html"),
        ("GET", "/feed.xml"),
    ]
    first = http_server.requests_to("/feed.xml")[0]
    assert first.headers["x-test"] == "one"
    assert first.arrived <= http_server.requests[1].arrived
    http_server.reset()
    assert http_server.requests == []


def test_counts_concurrent_requests(http_server: LocalHTTPServer) -> None:
    http_server.route("/slow", body=b"ok", delay=0.3)
    barrier = threading.Barrier(3)

    def fetch() -> None:
        barrier.wait()
        assert httpx.get(http_server.url("/slow")).text == "ok"

    threads = [threading.Thread(target=fetch) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert http_server.max_concurrent == 3
    assert len(http_server.requests_to("/slow")) == 3


def test_stop_does_not_wait_for_idle_connections_or_delays() -> None:
    server = LocalHTTPServer(root=HTTP_DATA).start()
    server.route("/slow", delay=60)
    idle = httpx.Client()  # keeps its connection open after the request
    idle.get(server.url("/feed.xml"))
    waiting = httpx.Client()
    outcome: list[object] = []

    def wait_for_slow() -> None:
        try:
            outcome.append(waiting.get(server.url("/slow")))
        except httpx.HTTPError as exc:  # the server hung up: what stop() should do
            outcome.append(exc)

    slow = threading.Thread(target=wait_for_slow)
    slow.start()
    while not server.requests_to("/slow"):
        threading.Event().wait(0.01)
    stopper = threading.Thread(target=server.stop, daemon=True)
    stopper.start()
    stopper.join(timeout=10)
    slow.join(timeout=10)
    idle.close()
    waiting.close()
    assert not stopper.is_alive(), "stop() hung on an open connection or a delayed answer"
    assert not slow.is_alive()
    assert isinstance(outcome[0], httpx.HTTPError)


def test_url_needs_a_running_server() -> None:
    server = LocalHTTPServer()
    with pytest.raises(RuntimeError, match="not running"):
        server.url("/")
    with server:
        assert server.url("feed.xml") == server.base_url + "/feed.xml"
        assert server.base_url.startswith("http://127.0.0.1:")


def test_a_client_waiting_for_each_answer_is_counted_one_at_a_time(http_server: LocalHTTPServer) -> None:
    """The count of requests being answered at once never exceeds what the client had waiting:
    a request sent on another connection right after the last answer was read is not counted
    with it (the tests of per-host limits read this count)."""
    http_server.route("/page", body=b"x" * 100)
    port = int(http_server.base_url.rsplit(":", 1)[1])
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(2)]
    try:
        for n in range(400):  # alternately on two kept-alive connections, one at a time
            connection = connections[n % 2]
            connection.request("GET", "/page")
            assert connection.getresponse().read() == b"x" * 100
    finally:
        for connection in connections:
            connection.close()
    assert len(http_server.requests_to("/page")) == 400
    assert http_server.max_concurrent == 1
