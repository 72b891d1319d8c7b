"""Canonical URLs: one spelling per article, without merging different articles."""

from __future__ import annotations

import pytest

from kzfeed.errors import InputError
from kzfeed.http._urls import canonical_url, host_of, is_same_site


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # scheme and host lower-cased, default port and fragment dropped, empty path is "/"
        ("HTTPS://WWW.AstanaTimes.COM:443/2025/01/eu-kz/#comments", "https://www.astanatimes.com/2025/01/eu-kz/"),
        ("http://Example.org:80", "http://example.org/"),
        ("http://example.org:8080/a", "http://example.org:8080/a"),
        ("https://example.org./a", "https://example.org/a"),
        ("https://user:secret@example.org/a", "https://example.org/a"),
        # tracking parameters removed, the others sorted by name
        (
            "https://www.inform.kz/en/article?utm_source=tw&utm_medium=social&id=42&fbclid=x&gclid=y&lang=en",
            "https://www.inform.kz/en/article?id=42&lang=en",
        ),
        ("https://e.org/a?yclid=1&mc_cid=2&mc_eid=3&_ga=4&ref=5&ref_src=6&UTM_Campaign=7", "https://e.org/a"),
        ("https://e.org/a?b=2&a=1&c=3", "https://e.org/a?a=1&b=2&c=3"),
        # a repeated name keeps the order of its values; names that merely look like trackers stay
        ("https://e.org/a?tag=b&x=1&tag=a", "https://e.org/a?tag=b&tag=a&x=1"),
        ("https://e.org/a?gallery=3&page=2&source_id=7", "https://e.org/a?gallery=3&page=2&source_id=7"),
        ("https://e.org/a?print&id=1", "https://e.org/a?id=1&print"),
        ("https://e.org/a?&&id=1&", "https://e.org/a?id=1"),
        # dot segments and %-escapes normalised, non-ASCII and spaces escaped as UTF-8
        ("https://e.org/a/./b/../c", "https://e.org/a/c"),
        ("https://e.org/a/%2e%2E/b", "https://e.org/b"),
        ("https://e.org/%7euser/%2f%3F", "https://e.org/~user/%2F%3F"),
        ("https://e.org/новости дня?q=Астана", "https://e.org/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8%20%D0%B4%D0%BD%D1%8F?q=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0"),
        ("https://e.org/100%", "https://e.org/100%25"),
        # internationalised hosts in their ASCII form
        ("https://Президент.РФ/", "https://xn--d1abbgf6aiiy.xn--p1ai/"),
        ("https://xn--d1abbgf6aiiy.xn--p1ai/", "https://xn--d1abbgf6aiiy.xn--p1ai/"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("  https://e.org/a  ", "https://e.org/a"),
    ],
)  # fmt: skip
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
    assert canonical_url(expected) == expected  # idempotent


@pytest.mark.parametrize(
    ("link", "base", "expected"),
    [
        (
            "../2025/eu.html",
            "https://astanatimes.com/news/today/",
            "https://astanatimes.com/news/2025/eu.html",
        ),
        ("/en/article?id=1#top", "https://www.inform.kz/ru/", "https://www.inform.kz/en/article?id=1"),
        ("//cdn.example.org/x", "https://e.org/a", "https://cdn.example.org/x"),
        ("?page=2&utm_source=rss", "https://e.org/news", "https://e.org/news?page=2"),
        ("https://other.org/x", "https://e.org/a", "https://other.org/x"),
    ],
)
def test_relative_links_are_resolved_against_the_base(link: str, base: str, expected: str) -> None:
    assert canonical_url(link, base) == expected


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("/relative/without/base", None),
        ("mailto:press@eeas.europa.eu", None),
        ("javascript:void(0)", "https://e.org/"),
        ("ftp://e.org/file", None),
        ("https://e.org:99999/", None),
        ("https://a..b/", None),
    ],
)
def test_what_cannot_be_a_canonical_url(url: str, base: str | None) -> None:
    with pytest.raises(InputError, match=r"http\(s\) URL|malformed"):
        canonical_url(url, base)


def test_host_of() -> None:
    assert host_of("https://WWW.Inform.KZ:8443/ru/x") == "www.inform.kz"
    assert host_of("https://Астана.kz/") == "xn--80aaa5csg.kz"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://www.inform.kz/ru/a", "http://lenta.inform.kz/b", True),
        ("https://astanatimes.com/", "https://www.astanatimes.com/2025/x", True),
        ("https://inform.kz/", "https://inform.com/", False),
        ("https://a.co.uk/", "https://b.co.uk/", False),
        ("https://news.bbc.co.uk/", "https://www.bbc.co.uk/", True),
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:9000/b", True),
        ("http://127.0.0.1/a", "http://localhost/a", False),
        ("https://e.org/", "mailto:x@e.org", False),
    ],
)
def test_is_same_site(a: str, b: str, same: bool) -> None:
    assert is_same_site(a, b) is same
    assert is_same_site(b, a) is same
