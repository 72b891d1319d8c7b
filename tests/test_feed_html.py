"""The HTML of a feed's entries through feedparser as the ``rss`` source sets it up
(``default_plugins/_feedparse.py``): markup that feedparser's URL resolver and sanitiser would
write back unchanged skips them, with the same result; any other markup still gets both, and
what kzfeed keeps of hostile markup is as safe as before."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import ClassVar

import feedparser.html
import feedparser.sanitizer
import feedparser.urls
import feedparser.util
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kzfeed.default_plugins._feedparse import (
    _TAGS,
    _Copy,
    _direct_get,
    _translation,
    feedparser_module,
    plain_markup,
)
from kzfeed.default_plugins.rss import RssSource
from kzfeed.testing import LocalHTTPServer, offline_fetcher, run_source

DATA = Path(__file__).parent
# feedparser's own passes, as it has them (the shortcut is installed in feedparser.mixin only)
RESOLVE, SANITIZE = feedparser.urls.resolve_relative_uris, feedparser.sanitizer._sanitize_html

PIECES = [
    "text", " ", "  \n", "\r\n", "Қазақ", "a > b", "x/>y", "&amp;", "&quot;", "&apos;", "&nbsp;",
    "&copy;", "&foo;", "&a-b;", "&", "& ", "&#39;", "&#039;", "&#34;", "&#x27;", "&#X27;", "&#x2F;",
    "&#x2f;", "&#150;", "&#8211;", "&#x96;", "&#xAB;", "<p>", "</p>", "<P>", "<div>", "</div>",
    "<b>", "</b>", "<br>", "<br/>", "<br />", "<img src=x>", "<a href='/x'>", "</a>", "<script>",
    "</script>", "<style>", "</style>", "<applet>", "<svg>", "</svg>", "<math>", "<!-- c -->",
    "<!DOCTYPE x>", "<![CDATA[x]]>", "<?pi?>", "<>", "</>", "< p>", "<p >", "<mark>", "<h1>",
    "</h1>", "<li>", "<ul>", "</ul>", "<pre>", "</pre>", "<table>", "<td>", "</td>", "<em>",
    "</em>", "<", ">", '"', "'", "<blockquote>", "</blockquote>",
]  # fmt: skip


@settings(max_examples=400, deadline=None, derandomize=True)  # the landing gate must not flake
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
@example("<p>Astana &amp; Brussels &#x27;agreed&#x27; &quot;today&quot;</p>\r\n<p>Қазақ</p>  ")
@example("<div><p>unclosed</div>")
def test_markup_taken_for_plain_is_what_feedparsers_passes_write_back(markup: str) -> None:
    if not plain_markup(markup):
        return
    for kind in ("text/html", "application/xhtml+xml"):
        assert RESOLVE(markup, "https://news.example.kz/feed/", "utf-8", kind) == markup
        assert SANITIZE(markup, "utf-8", kind) == markup.strip().replace("\r\n", "\n")


@pytest.mark.parametrize(
    "markup",
    [
        "<p>x</p><br>",  # written back as <br />
        "<P>x</P>",  # lower-cased
        "<p>it&#39;s</p>",  # turned into the character
        "<p>&#150;</p>",  # windows-1252's dash, written back as &#x2013;
        "<p>&#X27;</p>",  # lower-cased
        "<p>&unknown;</p>",  # written back as &amp;unknown
        "<p>AT&T</p>",
        '<a href="/x">x</a>',
        "<p>x<script>alert(1)</script></p>",
        "<mark>x</mark>",  # not allowed by feedparser's sanitiser
        "<!-- x --><p>y</p>",
    ],
)
def test_markup_feedparser_changes_is_not_taken_for_plain(markup: str) -> None:
    assert not plain_markup(markup)


def test_the_plain_tags_are_ones_feedparser_writes_back() -> None:
    sanitizer = feedparser.sanitizer._HTMLSanitizer
    assert sanitizer.acceptable_elements >= _TAGS
    assert not _TAGS & (sanitizer.elements_no_end_tag | sanitizer.unacceptable_elements_with_end_tag)
    handlers = {f"{kind}_{tag}" for tag in _TAGS for kind in ("start", "end", "do")}
    assert not [name for name in handlers if hasattr(sanitizer, name)]
    assert not [name for name in handlers if hasattr(feedparser.urls.RelativeURIResolver, name)]


def test_a_long_run_of_text_is_read_once() -> None:
    # a regular expression that backtracked over each way of splitting the text never ended
    assert not plain_markup("a" * 50_000 + "<x")
    assert not plain_markup("a &amp; b " * 5_000 + "&")


def _feeds() -> list[Path]:
    found = [
        p for p in (DATA / "data").rglob("*.xml") if b"<rss" in p.read_bytes() or b"<feed" in p.read_bytes()
    ]
    return [*sorted(found), DATA / "fixtures" / "default_plugins" / "astanatimes" / "feed.xml"]


def test_the_test_feeds_parse_the_same_with_and_without_the_shortcuts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = feedparser_module()
    feeds = _feeds()
    assert len(feeds) >= 8
    shortcut = [module.parse(path.read_bytes()) for path in feeds]
    monkeypatch.setattr(module.mixin, "resolve_relative_uris", RESOLVE)
    monkeypatch.setattr(module.mixin, "_sanitize_html", SANITIZE)
    monkeypatch.setattr(module.mixin, "make_safe_absolute_uri", feedparser.urls.make_safe_absolute_uri)
    monkeypatch.setattr(module.mixin, "_cp1252", feedparser.html._cp1252)
    monkeypatch.setattr(module.mixin, "copy", copy)
    monkeypatch.setattr(module.util.FeedParserDict, "get", _feedparsers_get)
    for path, fast in zip(feeds, shortcut, strict=True):
        slow = module.parse(path.read_bytes())
        for parsed in (fast, slow):
            parsed.pop("bozo_exception", None)
        assert fast == slow, path


def _feedparsers_get(self: feedparser.util.FeedParserDict, key: object, default: object = None) -> object:
    """``FeedParserDict.get`` as feedparser 6.0.x has it."""
    try:
        return self[key]
    except KeyError:
        return default


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # feedparser's for updated -> published
def test_feedparser_dicts_get_answers_as_feedparsers_own() -> None:
    kind = feedparser.util.FeedParserDict
    feedparser_module()
    assert (
        kind.get.__module__ == "kzfeed.default_plugins._feedparse"
    )  # installed: feedparser is the known one
    fast = _direct_get(kind)
    assert fast is not None
    keys = [*kind.keymap, *(v for v in kind.keymap.values() if isinstance(v, str)), "href", "term", "rel"]
    keys += [
        "category",
        "enclosures",
        "license",
        "updated",
        "updated_parsed",
        "published",
        "published_parsed",
    ]
    keys += ["type", "value", "base", "language", "title", "missing", "", "tags", "links", 3, None]
    samples = [
        kind(),
        kind({"type": "text/html", "value": "v", "base": "https://e.example/", "language": None}),
        kind({"published": "p", "published_parsed": (2025, 1, 1), "description": "d", "guid": "g"}),
        kind({"updated": "u", "published": "p", "summary": "s", "id": "i", "rights": "r"}),
        kind({"tags": [kind({"term": "t"})], "links": [kind({"rel": "enclosure", "href": "h"})]}),
        kind({"tags": [], "links": [kind({"rel": "license", "href": "h"})], "subtitle": "s", "href": "x"}),
    ]
    for value in samples:
        for key in keys:
            for default in (None, "fallback"):
                assert fast(value, key, default) == _feedparsers_get(value, key, default), (value, key)
    with pytest.raises(TypeError):  # an unhashable key, as feedparser's own
        fast(samples[1], ["type"])


def test_a_feedparser_whose_getitem_changed_keeps_its_own_get() -> None:
    class Changed(dict[str, object]):
        keymap: ClassVar[dict[str, object]] = {}

        def __getitem__(self, key: str) -> object:
            if key == "author_detail":
                return "special"
            return dict.__getitem__(self, key)

    assert _direct_get(Changed) is None


def test_the_c1_table_translates_as_feedparsers_dict() -> None:
    table = _translation(feedparser.html._cp1252)
    pick = random.Random(13)
    ranges = [(0, 0x80), (0x80, 0xA0), (0xA0, 0x2200), (0x2200, 0x110000)]
    for _ in range(3000):
        text = "".join(chr(pick.randrange(*pick.choice(ranges))) for _ in range(12))
        assert text.translate(table) == text.translate(feedparser.html._cp1252)
    assert "a\x96b\x80\u0416\u20ac\U0001f600".translate(table) == "a\u2013b\u20ac\u0416\u20ac\U0001f600"


def test_content_parameters_are_copied_as_deepcopy_copies_them() -> None:
    kind = feedparser.util.FeedParserDict
    fast = _Copy(kind)
    samples = [
        kind({"type": "text/html", "language": None, "base": "https://e.example/", "value": "v"}),
        kind({"description": "mapped key", "n": 3, "flag": True}),
        kind({"nested": kind({"a": "b"})}),  # not all strings: deepcopy's own
        kind(),
    ]
    for value in samples:
        copied, expected = fast.deepcopy(value), copy.deepcopy(value)
        assert copied == expected and type(copied) is kind and copied is not value
        assert list(dict.items(copied)) == list(dict.items(expected))
    nested = fast.deepcopy(samples[2])
    assert nested["nested"] is not samples[2]["nested"]
    assert fast.deepcopy(["a", {"b": 1}]) == ["a", {"b": 1}]


HOSTILE = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Astana <b>News</b></title><link>https://news.example.kz/</link><description>d</description>
<item><title>Plain &amp; simple</title><link>https://news.example.kz/a</link><guid>a</guid>
<description>&lt;p&gt;Astana &amp;amp; Brussels&lt;/p&gt;</description>
<content:encoded><![CDATA[<p>Astana &amp; Brussels agreed.</p><p>Second paragraph.</p>]]></content:encoded></item>
<item><title>Hostile &lt;script&gt;alert(1)&lt;/script&gt;title</title><link>https://news.example.kz/b</link>
<guid>b</guid><content:encoded><![CDATA[<p onclick="steal()">Read <a href="/more/page">more</a>
<a href="javascript:alert(1)">here</a><img src="pics/x.jpg" onerror="steal()"></p>
<script>alert(1)</script><iframe src="https://evil.example/"></iframe><p>End.</p>]]></content:encoded></item>
</channel></rss>
"""


def test_hostile_and_relative_markup_still_gets_feedparsers_passes(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_text(HOSTILE, encoding="utf-8")
    with LocalHTTPServer(root=tmp_path) as server, offline_fetcher(server) as fetcher:
        server.route("/news/feed.xml", file="feed.xml", content_type="application/rss+xml")
        plain, hostile = run_source(
            RssSource("h", {"url": "https://news.example.kz/news/feed.xml", "full_content": False}),
            http=fetcher,
        )
    assert plain.html == "<p>Astana &amp; Brussels agreed.</p><p>Second paragraph.</p>"
    assert plain.summary == "Astana & Brussels"
    assert plain.outlet == "Astana News"
    assert hostile.title == "Hostile title"
    html = hostile.html or ""
    # relative links resolved against the feed's address, as feedparser does
    assert 'href="https://news.example.kz/more/page"' in html
    assert 'src="https://news.example.kz/news/pics/x.jpg"' in html
    for bad in ("script", "onclick", "onerror", "javascript", "iframe", "alert", "evil.example"):
        assert bad not in html.lower()
    assert hostile.paragraphs[-1] == "End."
    assert all("alert" not in p for p in hostile.paragraphs)


def test_what_feedparser_may_use_of_the_copy_module_besides_deepcopy_is_the_copy_module() -> None:
    # feedparser.mixin's name ``copy`` is replaced: a release that calls copy.copy there must
    # still parse feeds, not fail every rss source with an AttributeError
    fast = _Copy(feedparser.util.FeedParserDict)
    value = {"a": ["b"]}
    shallow = fast.copy(value)
    assert shallow == value and shallow is not value and shallow["a"] is value["a"]
    assert fast.Error is copy.Error
