from __future__ import annotations

import json
from datetime import UTC, datetime

from lxml import etree

from factories import make_item
from feedcheck import assert_valid_atom, parse_feed
from kzfeed.publish._entries import entry_id
from kzfeed.publish._feeds import FeedSpec, render_atom, render_rss

SPEC = FeedSpec(
    key="all",
    title="kzfeed test",
    subtitle="test feed",
    base_url="https://news.example.org/",
    atom_path="feed.atom",
    rss_path="feed.rss",
    page_path="index.html",
)
T1 = datetime(2025, 5, 7, 18, 41, tzinfo=UTC)
T2 = datetime(2023, 11, 2, tzinfo=UTC)
SEEN = datetime(2026, 1, 1, tzinfo=UTC)


def items() -> list:
    return [
        make_item("a.txt", title="Kazakhstan & France <energy>", published=T1, first_seen=SEEN, lang="fr"),
        make_item(
            "b.txt",
            title="Critical metals",
            published=T2,
            first_seen=SEEN,
            topics=("raw_materials", "energy"),
            url="https://example.com/news/b?id=1",
            outlet="EU Reporter",
        ),
        make_item("c.txt", title="Undated", first_seen=SEEN),
    ]


def test_atom_validates_against_rfc4287_schema_and_parses_cleanly() -> None:
    data = render_atom(SPEC, items())
    assert_valid_atom(data)
    feed = parse_feed(data)
    assert [e.title for e in feed.entries] == ["Kazakhstan & France <energy>", "Critical metals", "Undated"]
    first, second, third = feed.entries
    assert first.id == entry_id(items()[0])
    assert first.published_parsed[:5] == (2025, 5, 7, 18, 41)
    assert "published" not in third  # an undated article gets no invented publication date
    assert third.updated_parsed[:3] == (2026, 1, 1)  # but Atom needs <updated>: when first seen
    assert {t.term for t in second.tags} == {"raw_materials", "energy"}
    assert second.link == "https://example.com/news/b?id=1"
    assert first.link == f"https://news.example.org/items/{items()[0].id}.html"
    assert second.author == "EU Reporter"
    # the source's internal name ("test") is never shown as an outlet; with nothing known the
    # entry is credited to the feed's own author
    assert [e.get("author") for e in feed.entries] == ["kzfeed", "EU Reporter", "kzfeed"]
    assert feed.feed.updated_parsed[:5] == (2026, 1, 1, 0, 0)


def test_atom_entries_carry_their_language() -> None:
    root = etree.fromstring(render_atom(SPEC, items()))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    langs = [e.get("{http://www.w3.org/XML/1998/namespace}lang") for e in root.findall("a:entry", ns)]
    assert langs == ["fr", "en", "en"]


def test_atom_self_link_is_the_atom_file_and_rss_self_link_is_the_rss_file() -> None:
    atom = parse_feed(render_atom(SPEC, items()))
    rss = parse_feed(render_rss(SPEC, items()))
    assert [link.href for link in atom.feed.links if link.rel == "self"] == [
        "https://news.example.org/feed.atom"
    ]
    assert [link.href for link in rss.feed.links if link.rel == "self"] == [
        "https://news.example.org/feed.rss"
    ]
    assert rss.version == "rss20"
    assert [e.id for e in rss.entries] == [e.id for e in atom.entries]
    assert rss.entries[0].published_parsed[:5] == (2025, 5, 7, 18, 41)


def test_same_items_render_the_same_bytes() -> None:
    assert render_atom(SPEC, items()) == render_atom(SPEC, items())
    assert render_rss(SPEC, items()) == render_rss(SPEC, items())


def test_content_is_html_with_source_attribution() -> None:
    entry = parse_feed(render_atom(SPEC, items())).entries[1]
    html = entry.content[0].value
    assert "<p>Astana and Brussels agreed on lithium.</p>" in html
    assert 'Source: <a href="https://example.com/news/b?id=1">EU Reporter</a>' in html
    assert entry.summary.startswith("Astana and Brussels agreed on lithium.")


def test_an_empty_feed_is_still_valid() -> None:
    data = render_atom(SPEC, [])
    assert_valid_atom(data)
    assert parse_feed(render_rss(SPEC, [])).entries == []


def test_every_format_shows_an_undated_report_by_its_first_seen_date_marked_as_such() -> None:
    from kzfeed.publish._jsonfeed import render_json_feed

    rss = parse_feed(render_rss(SPEC, items()))
    atom = parse_feed(render_atom(SPEC, items()))
    json_items = json.loads(render_json_feed(SPEC, items()))["items"]
    undated = [rss.entries[2], atom.entries[2]]
    # RSS readers sort and show by pubDate: the undated report carries when kzfeed first saw it
    assert rss.entries[2].published_parsed[:3] == (2026, 1, 1)
    assert rss.entries[0].published_parsed[:5] == (2025, 5, 7, 18, 41)
    assert json_items[2]["date_published"].startswith("2026-01-01")
    assert json_items[2]["_kzfeed"]["date_is_first_seen"] is True
    assert "_kzfeed" not in json_items[0]
    for entry in undated:  # said in words where the format has no field for it
        assert "first seen 2026-01-01 (the source gave no date)" in entry.content[0].value
    assert "first seen" not in atom.entries[0].content[0].value


def test_reports_are_credited_to_their_outlet_or_site_never_to_the_source_name() -> None:
    from kzfeed.publish._jsonfeed import render_json_feed

    reports = [
        make_item("a.txt", title="By a site", url="https://www.astanatimes.com/2026/x", source="astana-rss"),
        make_item("b.txt", title="By an outlet", outlet="Kazinform", source="seeds"),
        make_item("c.txt", title="Nothing known", source="seeds"),
    ]
    rss_xml = render_rss(SPEC, reports)
    rss = parse_feed(rss_xml)
    assert [e.get("author") for e in rss.entries] == ["astanatimes.com", "Kazinform", None]
    atom_xml = render_atom(SPEC, reports)
    json_xml = render_json_feed(SPEC, reports)
    for document in (rss_xml, atom_xml, json_xml):
        assert b"seeds" not in document and b"astana-rss" not in document
