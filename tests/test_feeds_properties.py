"""Whatever text a site sends, every feed carries it as text: a reader shows the same words,
and nothing in them becomes markup. Every URL written is an http(s) one."""

from __future__ import annotations

import html
import json
from dataclasses import replace
from pathlib import Path

import feedparser
import html5lib
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from factories import make_item
from feedcheck import assert_valid_atom, parse_feed
from kzfeed.publish._entries import entry_author
from kzfeed.publish._feeds import render_atom, render_rss
from kzfeed.publish._jsonfeed import render_json_feed
from test_sanitize import SPEC  # one feed spec for the tests of what reaches a reader

# any text, markup-like pieces included; surrogates cannot be stored as UTF-8 at all
TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=80),
    st.lists(
        st.sampled_from(
            ["<img src=x onerror=alert(1)>", "&lt;b&gt;", "&amp;", "<![CDATA[", "]]>", "&", "<", " x "]
        ),
        min_size=1,
        max_size=6,
    ).map("".join),
)


def _feedparser_repairs(text: str) -> bool:
    """feedparser "repairs" text that is all Latin-1 and also valid UTF-8 ("Ã©" → "é"), on
    the guess that it was mis-decoded; such text cannot come back unchanged from any feed."""
    try:
        return text.encode("iso-8859-1").decode("utf-8") != text
    except UnicodeError:
        return False


def _shown(value: str, kind: str) -> str:
    """What a reader shows for a field feedparser read as ``kind``."""
    return html.unescape(value) if kind == "text/html" else value


@settings(max_examples=60, deadline=None, derandomize=True)  # the landing gate must not flake
@given(title=TEXT, summary=TEXT, author=TEXT)
@example(title="t", summary="&lt;img src=x onerror=alert(1)&gt;", author="a")
@example(title="<b>bold</b> & co", summary="<iframe src=https://evil.example/>", author="<a>")
@example(title="nul\x00 and \x1b escape", summary="\x0c", author="\x7f")
def test_text_fields_come_back_as_the_same_text_from_every_feed(
    title: str, summary: str, author: str
) -> None:
    item = make_item("a", title=title, summary=summary, author=author)
    credit = entry_author(item)
    expected = (item.title, item.summary or item.title, credit)
    assume(not any(_feedparser_repairs(text) for text in expected if text is not None))

    atom = parse_feed(render_atom(SPEC, [item])).entries[0]
    assert (atom.title, atom.summary, atom.author) == (*expected[:2], credit or "kzfeed")
    assert atom.title_detail.type == "text/plain" and atom.summary_detail.type == "text/plain"

    rss = parse_feed(render_rss(SPEC, [item])).entries[0]
    assert _shown(rss.title, rss.title_detail.type) == expected[0]
    assert _shown(rss.summary, rss.summary_detail.type) == expected[1]
    assert rss.get("author") == expected[2]

    feed = json.loads(render_json_feed(SPEC, [item]))["items"][0]
    authors = feed.get("authors", [{"name": None}])
    assert (feed["title"], feed["summary"], authors[0]["name"]) == expected


def test_an_rss_description_is_escaped_html_so_markup_in_a_summary_stays_text() -> None:
    item = make_item("a", summary="&lt;img src=x onerror=alert(1)&gt; and <iframe src=https://e.example/>")
    root = etree.fromstring(render_rss(SPEC, [item]))
    description = root.findtext("channel/item/description")
    # the element's text, taken as HTML the way RSS readers take it, holds no element
    assert description is not None and "<" not in description
    assert html.unescape(description) == item.summary


def test_only_http_urls_are_written_for_links_and_images() -> None:
    # as stored by an older kzfeed, or by a plugin's process_item
    item = replace(
        make_item("a", html='<p>x <a href="https://ok.example/">ok</a></p>'),
        url="javascript:alert(1)",
        image="data:image/svg+xml,<svg onload=alert(1)>",
    )
    for data in (render_atom(SPEC, [item]), render_rss(SPEC, [item])):
        assert b"javascript:" not in data and b"data:" not in data
    assert_valid_atom(render_atom(SPEC, [item]))
    entry = feedparser.parse(render_atom(SPEC, [item])).entries[0]
    assert entry.link == f"https://feeds.example.org/items/{item.id}.html"
    feed = json.loads(render_json_feed(SPEC, [item]))["items"][0]
    assert "image" not in feed and feed["url"] == entry.link
    assert "javascript:" not in feed["content_html"]


def test_an_image_url_that_is_not_http_is_not_stored() -> None:
    assert make_item("a", image="javascript:alert(1)").image is None
    assert make_item("a", image=" https://e.example/a.png").image == "https://e.example/a.png"


def test_html_stored_by_an_older_kzfeed_is_sanitised_again_on_the_way_out() -> None:
    item = replace(make_item("a"), content_html='<p onclick="x()">hi<script>alert(1)</script></p>')
    for data in (render_atom(SPEC, [item]), render_rss(SPEC, [item]), render_json_feed(SPEC, [item])):
        assert b"onclick" not in data and b"alert(1)" not in data and b"hi" in data


def test_an_item_whose_own_url_is_not_http_gets_a_safe_page_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kzfeed.config import load_config
    from kzfeed.publish._write import build_outputs

    monkeypatch.chdir(tmp_path)
    item = replace(
        make_item("a"),
        url="javascript:alert(1)",
        content_html='<p onclick="x()">Astana<script>alert(1)</script></p>',
    )
    outputs = build_outputs(load_config(None), [item])
    page = outputs[f"items/{item.id}.html"].decode()
    assert "Astana" in page
    assert "javascript:" not in page and "onclick" not in page and "<script" not in page
    assert f'href="items/{item.id}.html"' in outputs["index.html"].decode()  # the link goes to it


def test_a_language_that_is_not_a_language_tag_is_not_stored() -> None:
    from kzfeed.models import RawItem
    from kzfeed.pipeline._normalise import normalise

    def lang(value: str) -> str | None:
        return normalise(RawItem(guid="a", title="t", text="x", lang=value), source="s", source_type="t").lang

    assert lang("kk-KZ") == "kk-KZ"
    assert lang('en" onload="x') is None  # detected later, like a missing one
    assert lang("русский язык") is None


def test_the_browser_view_of_an_rss_feed_shows_its_text_and_builds_no_markup() -> None:
    from importlib import resources

    xsl = etree.XSLT(
        etree.fromstring(resources.files("kzfeed.publish").joinpath("assets", "feed.xsl").read_bytes())
    )
    item = make_item(
        "a", title="Kazakhstan & France <energy> &amp;", summary="<img src=x onerror=alert(1)> &lt;b&gt;"
    )
    page = str(xsl(etree.fromstring(render_rss(SPEC, [item]))))
    body = html5lib.parse(page, namespaceHTMLElements=False)
    shown = " ".join(" ".join(" ".join(li.itertext()) for li in body.iter("li")).split())
    assert "Kazakhstan & France <energy> &amp;" in shown
    assert "<img src=x onerror=alert(1)> &lt;b&gt;" in shown
    entries = body.find(".//ul[@id='entries']")
    assert entries is not None
    assert {e.tag for e in entries.iter()} == {"ul", "li", "a", "br", "span", "p"}  # nothing of the site's
    assert not [name for e in entries.iter() for name in e.attrib if name.startswith("on")]
