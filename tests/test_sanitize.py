"""Entry content is safe, absolute and readable, whatever the source sent."""

from __future__ import annotations

from factories import make_item
from feedcheck import parse_feed
from kzfeed.publish._feeds import FeedSpec, render_atom
from kzfeed.publish._jsonfeed import render_json_feed

SPEC = FeedSpec(
    key="all",
    title="t",
    subtitle="s",
    base_url="https://feeds.example.org/",
    atom_path="feed.atom",
    rss_path="feed.rss",
    json_path="feed.json",
)
HOSTILE = (
    '<p onclick="steal()">Astana <a href="/news/2?x=1">and</a> <a href="javascript:alert(1)">Brussels</a></p>'
    '<script>alert(1)</script><style>p{display:none}</style><iframe src="https://evil.example/"></iframe>'
    '<img src="img/lithium.jpg" onerror="steal()" alt="mine">'
)


def test_scripts_styles_iframes_handlers_and_javascript_urls_never_reach_a_reader() -> None:
    item = make_item("a", html=HOSTILE, url="https://astanatimes.com/2025/03/roadmap/")
    html = parse_feed(render_atom(SPEC, [item])).entries[0].content[0].value
    for bad in ("<script", "<style", "<iframe", "onclick", "onerror", "javascript:", "alert(1)"):
        assert bad not in html, bad
    # relative links and images are made absolute against the article's URL
    assert 'href="https://astanatimes.com/news/2?x=1"' in html
    assert 'src="https://astanatimes.com/2025/03/roadmap/img/lithium.jpg"' in html
    assert "Astana" in html and "Brussels" in html


def test_plain_text_becomes_paragraphs_and_every_entry_has_a_summary() -> None:
    item = make_item("b", text="First paragraph about lithium.\n\nSecond <one> & more.")
    entry = parse_feed(render_atom(SPEC, [item])).entries[0]
    assert (
        "<p>First paragraph about lithium.</p>\n<p>Second &lt;one&gt; &amp; more.</p>"
        in entry.content[0].value
    )
    assert entry.summary == "First paragraph about lithium. Second <one> & more."
    assert b'"summary": "First paragraph about lithium.' in render_json_feed(SPEC, [item])
