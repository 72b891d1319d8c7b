"""No item, however large, stops publishing: what is stored of an item is capped (with a note
that it was cut), feeds are built without a parser limit the data could trip, and an entry that
still cannot be written is left out with a warning naming it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from conftest import CliResult
from factories import make_item
from feedcheck import parse_feed
from kzfeed.models import RawItem
from kzfeed.pipeline._normalise import MAX_HTML, MAX_SUMMARY, MAX_TEXT, MAX_TITLE, normalise
from kzfeed.publish import _feeds
from kzfeed.publish._feeds import render_atom, render_rss
from test_hostile_items import plugin_source
from test_sanitize import SPEC

Kz = Callable[..., CliResult]
# 3 MB of links that nh3 makes five times longer (each <a> gains rel="noopener noreferrer nofollow")
GROWING_HTML = "<p>Astana and Brussels on lithium.</p>" + "<a>x</a>" * 375_000


def test_sanitising_that_grows_an_entry_to_15_mb_stores_a_capped_item_with_a_note() -> None:
    raw = RawItem(
        guid="big",
        title="Kazakhstan and the EU " * 100,
        text="Astana and Brussels agreed on lithium. " * 100_000,
        html=GROWING_HTML,
        summary="A summary. " * 2_000,
        url="https://news.example.org/big",
    )
    item = normalise(raw, source="s", source_type="rss")
    assert len(item.content_html) < MAX_HTML * 1.1
    assert item.content_html.endswith("characters; the rest is at the source.</em></p>")
    assert "<p>Astana and Brussels on lithium.</p>" in item.content_html
    assert len(item.content_text) < MAX_TEXT * 1.01
    assert item.content_text.endswith("characters; the rest is at the source.]")
    assert len(item.title) <= MAX_TITLE and item.title.endswith("…")
    assert len(item.summary or "") <= MAX_SUMMARY


def test_an_item_stored_with_15_mb_of_html_still_renders() -> None:
    # stored before the caps existed: re-parsing feedgen's output failed with "Text node too long"
    big = replace(make_item("big"), content_html="<p>" + "Astana and Brussels. " * 750_000 + "</p>")
    items = [make_item("a", title="Before"), big, make_item("c", title="After")]
    huge = etree.XMLParser(huge_tree=True)
    for data in (render_atom(SPEC, items), render_rss(SPEC, items)):
        assert len(data) > 15_000_000
        root = etree.fromstring(data, huge)
        assert len(root.findall(".//{http://www.w3.org/2005/Atom}entry") or root.findall(".//item")) == 3


def test_an_entry_that_cannot_be_written_is_left_out_with_a_warning_naming_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bad = make_item("bad", title="The broken one")
    content = _feeds.entry_content

    def failing(story: _feeds.Story, base_url: str) -> str:
        if story.lead.id == bad.id:
            raise ValueError("cannot be written")
        return content(story, base_url)

    monkeypatch.setattr(_feeds, "entry_content", failing)
    with caplog.at_level(logging.WARNING, logger="kzfeed.publish"):
        atom = parse_feed(render_atom(SPEC, [make_item("a", title="Good one"), bad]))
        rss = parse_feed(render_rss(SPEC, [make_item("a", title="Good one"), bad]))
    assert [e.title for e in atom.entries] == ["Good one"] and [e.title for e in rss.entries] == ["Good one"]
    said = caplog.text
    assert f"entry urn:uuid:{bad.id} ('The broken one') left out of feed.atom: cannot be written" in said
    assert "left out of feed.rss" in said


@pytest.mark.slow
def test_a_growing_feed_entry_and_a_12_mb_seed_file_do_not_stop_publishing(
    kzfeed: Kz, project: Path, write_config: Callable[[str], Path]
) -> None:
    plugin_source(
        project,
        "bigfeed",
        "yield RawItem(guid='big', title='Kazakhstan and the EU sign a lithium deal', "
        "text='Astana and Brussels agreed on lithium and rare earths.', "
        f"html={GROWING_HTML!r}, url='https://news.example.org/big')",
    )
    paragraph = "Astana and Brussels agreed on lithium and rare earths for the EU. " * 30 + "\n\n"
    (project / "seeds" / "huge.txt").write_text(
        "Kazakhstan and the EU: the longest article\n\n" + paragraph * (12_000_000 // len(paragraph))
    )
    write_config(
        '[[sources]]\nname = "big"\ntype = "bigfeed"\n'
        '[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\nmax_bytes = 20000000\n'
    )
    for command in (("run",), ("render",)):  # the run's render, and every later one
        result = kzfeed(*command)
        assert result.exit_code == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        atom = (project / "public" / "feed.atom").read_bytes()
        titles = [e.title for e in parse_feed(atom).entries]
        assert "Kazakhstan and the EU sign a lithium deal" in titles
        assert "Kazakhstan and the EU: the longest article" in titles
        assert atom.count(b"characters; the rest is at the source.") >= 2
        assert len(atom) < 4_000_000
