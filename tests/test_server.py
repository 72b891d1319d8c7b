"""``kzfeed serve``: content types, validators, 304, gzip, and no file outside public/."""

from __future__ import annotations

import gzip
import http.client
import os
import threading
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


def test_a_browser_gets_feeds_as_xml_so_the_stylesheet_applies(served: tuple[str, int, Path]) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert get(served, "/feed.atom", Accept=browser)[1]["content-type"] == "application/xml; charset=utf-8"
    reader = "application/atom+xml, application/rss+xml, text/html;q=0.1"
    assert get(served, "/feed.atom", Accept=reader)[1]["content-type"].startswith("application/atom+xml")


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
