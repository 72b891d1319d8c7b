"""Feeds in UTF-16 or UTF-32 without a byte-order mark, correctly declared, are read (XML 1.0
appendix F): feedparser's own test suite has 18 such valid feeds."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from kzfeed.charsets import decode_bytes, unmarked_utf16_32
from kzfeed.default_plugins.rss import RssSource
from kzfeed.http import decode_text
from kzfeed.testing import LocalHTTPServer, offline_fetcher, run_source

TITLE = "Қазақстан мен ЕО шикізат туралы келісімге қол қойды"
FEED = """<?xml version="1.0" encoding="{label}"?>
<rss version="2.0"><channel><title>Astana News</title><link>https://news.example.kz/</link>
<description>d</description>
<item><title>{title}</title><link>https://news.example.kz/a</link><guid>a</guid>
<description>Astana and Brussels agreed on lithium.</description>
<pubDate>Wed, 07 May 2025 18:41:00 +0000</pubDate></item>
<item><title>Plain ASCII title</title><link>https://news.example.kz/b</link><guid>b</guid>
<description>ASCII only.</description></item>
</channel></rss>
"""
ENCODINGS = [
    ("utf-16-be", "UTF-16"),
    ("utf-16-le", "UTF-16"),
    ("utf-16-be", "UTF-16BE"),
    ("utf-16-le", "utf-16le"),
    ("utf-32-be", "UTF-32"),
    ("utf-32-le", "UTF-32"),
]


@pytest.mark.parametrize(("codec", "label"), ENCODINGS)
def test_a_bom_less_utf16_or_utf32_feed_is_read_by_the_rss_source(
    tmp_path: Path, codec: str, label: str
) -> None:
    (tmp_path / "feed.xml").write_bytes(FEED.format(label=label, title=TITLE).encode(codec))
    with LocalHTTPServer(root=tmp_path) as server, offline_fetcher(server) as fetcher:
        server.route("/feed.xml", file="feed.xml", content_type="application/rss+xml")
        items = run_source(
            RssSource("u16", {"url": "https://news.example.kz/feed.xml", "full_content": False}), http=fetcher
        )
    assert [i.title for i in items] == [TITLE, "Plain ASCII title"]
    assert items[0].published is not None


@pytest.mark.parametrize(("codec", "label"), ENCODINGS)
def test_the_decoders_tell_utf16_and_utf32_by_their_nul_bytes(codec: str, label: str) -> None:
    data = FEED.format(label=label, title="ASCII only").encode(codec)  # every byte is "ASCII"
    assert unmarked_utf16_32(data) == codec
    assert "<title>ASCII only</title>" in decode_text(data, "application/xml")
    text, warning = decode_bytes("A UTF-16 article\n\nAbout Astana.".encode(codec), name="a.txt")
    assert text == "A UTF-16 article\n\nAbout Astana." and warning == f"a.txt: not UTF-8, read as {codec}"


def test_plain_ascii_and_binary_are_not_taken_for_utf16() -> None:
    assert unmarked_utf16_32(b"<?xml version='1.0'?><rss/>") is None
    assert unmarked_utf16_32(b"\x00\x01\x00") is None  # too short
    assert unmarked_utf16_32(b"\x00<\x00?\x00") is None  # odd length: not UTF-16


def test_feedparser_is_not_asked_each_feed_for_a_sax_driver_that_is_not_installed(tmp_path: Path) -> None:
    import feedparser.api

    (tmp_path / "feed.xml").write_text(FEED.format(label="utf-8", title=TITLE), encoding="utf-8")
    with LocalHTTPServer(root=tmp_path) as server, offline_fetcher(server) as fetcher:
        server.route("/feed.xml", file="feed.xml", content_type="application/rss+xml")
        items = run_source(
            RssSource("u8", {"url": "https://news.example.kz/feed.xml", "full_content": False}), http=fetcher
        )
    assert [i.title for i in items] == [TITLE, "Plain ASCII title"]
    # feedparser prefers libxml2's driver; not installed, its import failed again for every feed
    assert all(importlib.util.find_spec(name) for name in feedparser.api.PREFERRED_XML_PARSERS)
