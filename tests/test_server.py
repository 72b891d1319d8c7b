"""``kzfeed serve``: content types, validators, 304, gzip, and no file outside public/."""

from __future__ import annotations

import gzip
import http.client
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kzfeed.errors import InputError
from kzfeed.serve._server import make_server


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, int, Path]]:
    public = tmp_path / "public"
    (public / "topics").mkdir(parents=True)
    (public / "feed.atom").write_bytes(
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>' * 20
    )
    (public / "topics" / "energy.rss").write_bytes(b"<rss version='2.0'/>")
    (public / "feed.json").write_bytes(b"{}")
    (public / "index.html").write_bytes(b"<!DOCTYPE html><title>kzfeed</title>")
    (tmp_path / "secret.txt").write_text("do not serve")
    os.symlink(tmp_path / "secret.txt", public / "link.txt")
    server = make_server(public, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield str(host), int(port), public
    server.shutdown()
    thread.join(timeout=10)  # no server outlives its test
    server.server_close()


def get(served: tuple[str, int, Path], path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(served[0], served[1], timeout=10)
    conn.putrequest("GET", path, skip_accept_encoding=True)
    for name, value in headers.items():
        conn.putheader(name.replace("_", "-"), value)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/feed.atom", "application/atom+xml; charset=utf-8"),
        ("/topics/energy.rss", "application/rss+xml; charset=utf-8"),
        ("/feed.json", "application/feed+json; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
    ],
)
def test_files_are_served_with_their_content_type(
    served: tuple[str, int, Path], path: str, content_type: str
) -> None:
    status, headers, _ = get(served, path, Accept="*/*")
    assert (status, headers["content-type"]) == (200, content_type)


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # Chromium's, Firefox's
READER = "application/atom+xml, application/rss+xml, text/html;q=0.1"


def test_a_browser_on_a_feed_gets_its_page_and_a_reader_the_feed(served: tuple[str, int, Path]) -> None:
    page = (served[2] / "index.html").read_bytes()
    status, headers, body = get(served, "/feed.atom", Accept=BROWSER)
    assert (status, headers["content-type"], body) == (200, "text/html; charset=utf-8", page)
    assert "Accept" in headers["vary"]
    _, feed_headers, feed = get(served, "/feed.atom", Accept=READER)
    assert feed_headers["content-type"].startswith("application/atom+xml") and feed.startswith(b"<?xml")
    assert "Accept" in feed_headers["vary"]
    assert feed_headers["etag"] != headers["etag"]  # a cache must not answer one with the other
    assert get(served, "/feed.atom", Accept=BROWSER, If_None_Match=headers["etag"])[0] == 304
    assert get(served, "/feed.atom", Accept=READER, If_None_Match=headers["etag"])[0] == 200
    # the JSON Feed too; and a reader that accepts anything, or says nothing, gets the feed
    assert get(served, "/feed.json", Accept=BROWSER)[2] == page
    for accept in ("*/*", "", "text/html, application/atom+xml", "text/html;;;==,garbage"):
        assert get(served, "/feed.atom", Accept=accept)[2] == feed, accept


def test_a_feed_without_a_page_is_xml_for_a_browser_so_the_stylesheet_applies(
    served: tuple[str, int, Path],
) -> None:
    # public/ written by an older kzfeed: topics/energy.html is not there
    assert (
        get(served, "/topics/energy.rss", Accept=BROWSER)[1]["content-type"]
        == "application/xml; charset=utf-8"
    )
    assert get(served, "/topics/energy.rss", Accept=READER)[1]["content-type"].startswith(
        "application/rss+xml"
    )


def test_conditional_requests_get_304(served: tuple[str, int, Path]) -> None:
    status, headers, _ = get(served, "/feed.atom")
    assert status == 200 and headers["etag"] and headers["last-modified"]
    assert get(served, "/feed.atom", If_None_Match=headers["etag"])[0] == 304
    assert get(served, "/feed.atom", If_Modified_Since=headers["last-modified"])[0] == 304
    assert get(served, "/feed.atom", If_None_Match='"other"')[0] == 200
    # a changed file has a new ETag
    path = served[2] / "feed.atom"
    path.write_bytes(path.read_bytes() + b"\n")
    assert get(served, "/feed.atom", If_None_Match=headers["etag"])[0] == 200


def test_gzip_only_when_asked(served: tuple[str, int, Path]) -> None:
    plain = get(served, "/feed.atom")
    zipped = get(served, "/feed.atom", Accept_Encoding="gzip, deflate")
    assert "content-encoding" not in plain[1]
    assert zipped[1]["content-encoding"] == "gzip"
    assert gzip.decompress(zipped[2]) == plain[2]
    assert len(zipped[2]) < len(plain[2])
    assert zipped[1]["etag"] != plain[1]["etag"]


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/topics/%2E%2E/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/link.txt",
        "/%00",
        "/nothing.atom",
    ],
)
def test_nothing_outside_public_is_served(served: tuple[str, int, Path], path: str) -> None:
    status, _, body = get(served, path)
    assert status == 404
    assert b"do not serve" not in body


def test_serve_without_public_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="run 'kzfeed run'"):
        make_server(tmp_path / "public")


# --- under load and bad requests -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept_encoding", "expected"),
    [
        ("gzip;q=abc", 200),
        ("gzip;q=", 200),
        ("gzip; q=0.5; level=x", 200),
        (";;;,,", 200),
        ("gzip;q=1e999999", 200),
        ("\x7f", 400),  # a control character: not a valid header at all
    ],
)
def test_a_malformed_accept_encoding_gets_an_answer_not_a_dropped_connection(
    served: tuple[str, int, Path], accept_encoding: str, expected: int, caplog: pytest.LogCaptureFixture
) -> None:
    status, headers, body = get(served, "/feed.atom", Accept_Encoding=accept_encoding)
    assert status == expected
    if expected == 200:
        data = gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body
        assert data.startswith(b"<?xml")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("path", ["/" + "a" * 300, "/topics/" + "b" * 300 + ".rss", "/" + "c" * 5000])
def test_a_very_long_path_is_an_http_error(
    served: tuple[str, int, Path], path: str, caplog: pytest.LogCaptureFixture
) -> None:
    status, _, body = get(served, path)
    assert status in (404, 414)
    assert b"Traceback" not in body
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_each_version_of_a_file_is_gzipped_once(
    served: tuple[str, int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = gzip.compress

    def counting(data: bytes, *args: object, **kwargs: object) -> bytes:
        calls.append(len(data))
        return real(data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gzip, "compress", counting)
    bodies = {get(served, "/feed.atom", Accept_Encoding="gzip")[2] for _ in range(5)}
    assert len(bodies) == 1 and len(calls) == 1
    path = served[2] / "feed.atom"
    path.write_bytes(path.read_bytes() + b"<!-- new -->")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    changed = get(served, "/feed.atom", Accept_Encoding="gzip")[2]
    assert gzip.decompress(changed).endswith(b"<!-- new -->") and len(calls) == 2


def test_many_idle_connections_do_not_take_a_thread_each(served: tuple[str, int, Path]) -> None:
    before = threading.active_count()
    idle = []
    try:
        for _ in range(150):
            idle.append(socket.create_connection(served[:2], timeout=5))
        time.sleep(0.5)
        assert threading.active_count() - before <= 8, (
            f"{threading.active_count() - before} threads for 150 idle"
        )
        started = time.monotonic()
        assert get(served, "/feed.json")[0] == 200  # still answered, at once
        assert time.monotonic() - started < 2
    finally:
        for sock in idle:
            sock.close()


def test_a_method_other_than_get_or_head_is_refused(served: tuple[str, int, Path]) -> None:
    conn = http.client.HTTPConnection(served[0], served[1], timeout=10)
    conn.request("POST", "/feed.atom", body=b"x")
    response = conn.getresponse()
    assert response.status == 405 and response.getheader("Allow") == "GET, HEAD"
    conn.close()


def test_shutdown_stops_the_server_when_the_loop_closes_everything_before_the_trigger_is_written(
    tmp_path: Path,
) -> None:
    # the race seen in test runs ("OSError: Bad file descriptor" at teardown): waitress's loop,
    # awake for another reason, runs the shutdown's thunk (closing its own trigger pipe) between
    # pull_trigger appending it and writing to the pipe
    (tmp_path / "feed.json").write_bytes(b"{}")
    server = make_server(tmp_path, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    trigger = server._server.trigger
    write = trigger._physical_pull

    def loop_first() -> None:
        write()  # as another thread's pull would: the loop wakes and runs the queued thunk
        deadline = time.monotonic() + 10
        while not trigger._closed and time.monotonic() < deadline:
            time.sleep(0.01)
        write()  # then the shutdown's own write

    trigger._physical_pull = loop_first
    server.shutdown()  # raised OSError (EBADF) before
    thread.join(timeout=10)
    assert not thread.is_alive()  # and the server stopped
    server.server_close()
