"""What a subscriber gets in public/: one entry per story, every feed valid, archives, OPML."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from feedcheck import assert_valid_atom, parse_feed
from feedvalidator import check_atom, check_json_feed, check_rss

STORIES = Path(__file__).parent / "data" / "stories"
BASE = "https://feeds.example.org/kz/"
A = "{http://www.w3.org/2005/Atom}"
CONFIG = f"""
base_url = "{BASE}"
feed_size = {{size}}
[[sources]]
name = "seeds"
type = "files"
path = "seeds"
[[sources]]
name = "news"
type = "files"
path = "news"
"""


@pytest.fixture
def published(project: Path, write_config: Callable[..., Path], kzfeed: Callable[..., object]) -> Path:
    """A project with the seeds and a second source carrying a story three times; run."""
    shutil.copytree(STORIES, project / "news")
    write_config(CONFIG.format(size=50))
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    return project / "public"


def feeds_in(public: Path) -> list[Path]:
    return sorted(p for p in public.rglob("*") if p.suffix in (".atom", ".rss", ".json"))


def test_every_feed_written_is_valid_where_it_is_served(published: Path) -> None:
    files = feeds_in(published)
    assert {p.relative_to(published).as_posix() for p in files} >= {
        "feed.atom", "feed.rss", "feed.json", "topics/energy.atom", "topics/energy.rss", "topics/energy.json"
    }  # fmt: skip
    for path in files:
        url = BASE + path.relative_to(published).as_posix()
        data = path.read_bytes()
        if path.suffix == ".atom":
            assert_valid_atom(data)
            assert check_atom(data, url) == [], path
            parse_feed(data)
        elif path.suffix == ".rss":
            assert check_rss(data, url) == [], path
            parse_feed(data)
        else:
            assert check_json_feed(data, url) == [], path


def test_the_feed_shows_one_entry_per_story_with_the_other_reports(published: Path) -> None:
    feed = parse_feed((published / "feed.atom").read_bytes())
    titles = [e.title for e in feed.entries]
    assert len(titles) == 8  # 5 seeds + 5 news items, of which 3 are one story
    roadmap = [e for e in feed.entries if "roadmap" in e.title]
    assert len(roadmap) == 1
    (entry,) = roadmap
    assert entry.author == "Astana Times"  # the report that started the story leads
    related = [link for link in entry.links if link.rel == "related"]
    assert sorted(link.title for link in related) == ["EU Reporter", "Kazinform"]
    assert "Also reported by:" in entry.content[0].value
    assert "EU Reporter</a>" in entry.content[0].value
    # different stories of the same minister and topic stay apart
    assert any("investment forum" in t for t in titles) and any("Special Representative" in t for t in titles)
    data = json.loads((published / "feed.json").read_bytes())
    assert [i["title"] for i in data["items"]] == titles
    assert [i["id"] for i in data["items"]] == [e.id for e in feed.entries]


def test_entries_have_clean_html_and_a_summary(published: Path) -> None:
    for path in feeds_in(published):
        if path.suffix != ".atom":
            continue
        for entry in parse_feed(path.read_bytes()).entries:
            assert entry.summary.strip()
            html = entry.content[0].value
            assert "<script" not in html and "javascript:" not in html and "<p>" in html


def test_opml_lists_every_feed_and_the_index_links_them(published: Path) -> None:
    opml = etree.parse(str(published / "feeds.opml"))
    urls = {o.get("xmlUrl") for o in opml.iter("outline")}
    subscribed = {
        BASE + p.relative_to(published).as_posix() for p in feeds_in(published) if "-archive-" not in p.name
    }
    assert urls == subscribed
    index = (published / "index.html").read_text()
    for path in subscribed:
        assert f'href="{path.removeprefix(BASE)}"' in index
    assert 'type="application/feed+json"' in index and 'href="feeds.opml"' in index
    assert index.count('<li class="story">') == 8


def test_feeds_point_to_the_stylesheet_that_makes_them_readable(published: Path) -> None:
    assert (published / "feed.xsl").is_file()
    assert b'<?xml-stylesheet type="text/xsl" href="feed.xsl"?>' in (published / "feed.atom").read_bytes()
    assert b'href="../feed.xsl"' in (published / "topics/energy.rss").read_bytes()
    etree.XSLT(etree.parse(str(published / "feed.xsl")))  # it is a stylesheet lxml can compile


def test_older_stories_stay_reachable_through_rfc5005_archives(
    project: Path, write_config: Callable[..., Path], kzfeed: Callable[..., object]
) -> None:
    shutil.copytree(STORIES, project / "news")
    write_config(CONFIG.format(size=3))
    assert kzfeed("run").exit_code == 0  # type: ignore[attr-defined]
    public = project / "public"
    current = etree.parse(str(public / "feed.atom")).getroot()
    assert len(current.findall(f"{A}entry")) == 3
    seen = {e.findtext(f"{A}id") for e in current.findall(f"{A}entry")}
    doc, walked = current, 0
    while (prev := doc.find(f"{A}link[@rel='prev-archive']")) is not None:
        path = public / prev.get("href").removeprefix(BASE)
        data = path.read_bytes()
        assert_valid_atom(data)
        assert check_atom(data, prev.get("href")) == []
        doc = etree.fromstring(data)
        assert doc.find("{http://purl.org/syndication/history/1.0}archive") is not None
        assert doc.find(f"{A}link[@rel='current']").get("href") == BASE + "feed.atom"
        seen |= {e.findtext(f"{A}id") for e in doc.findall(f"{A}entry")}
        walked += 1
    assert walked == 2
    assert len(seen) == 8  # a reader walking back sees every story
    # a full archive document never changes, even when its stories gain reports
    before = {p: p.read_bytes() for p in public.glob("*-archive-*")}
    (project / "news" / "syndicated.txt").write_text(
        (STORIES / "original.txt").read_text().replace("Astana Times", "Trend News Agency"), encoding="utf-8"
    )
    (project / "news" / "another.txt").write_text(
        (STORIES / "rewrite.txt").read_text().replace("Kazinform", "Euractiv"), encoding="utf-8"
    )
    assert kzfeed("run", "--refetch").exit_code == 0  # type: ignore[attr-defined]
    assert {p: p.read_bytes() for p in before} == before


def test_stories_command_lists_the_clusters(published: Path, kzfeed: Callable[..., object]) -> None:
    result = kzfeed("stories")
    lines = result.stdout.splitlines()  # type: ignore[attr-defined]
    assert "3 report(s)  Kazakhstan and the EU agree a roadmap" in lines[0]
    assert [line.split("  ")[3] for line in lines[1:]] == ["Astana Times", "Kazinform", "EU Reporter"]
    assert len(lines) == 4
    everything = kzfeed("stories", "--all", "--rebuild").stdout  # type: ignore[attr-defined]
    assert "0 item(s) changed story" in everything
    assert everything.count("report(s)") == 8


def test_an_archive_written_by_an_earlier_renderer_is_written_again_once(
    project: Path, write_config: Callable[..., Path], kzfeed: Callable[..., object]
) -> None:
    # archives are never rewritten, so one written before issue 12 (RSS descriptions not
    # escaped, markup sanitised by a weaker sanitiser) would serve its markup for ever
    shutil.copytree(STORIES, project / "news")
    write_config(CONFIG.format(size=3))
    assert kzfeed("run").exit_code == 0  # type: ignore[attr-defined]
    archive = project / "public" / "feed-archive-1.rss"
    fresh = archive.read_bytes()
    old = fresh.replace(b"(renderer 2)", b"").replace(
        b"<description>", b"<description>&lt;img src=x onerror=alert(1)&gt;"
    )
    archive.write_bytes(old)
    with sqlite3.connect(project / "var" / "kzfeed.db") as db:  # public/ as a kzfeed before this one left it
        db.execute("UPDATE renders SET renderer = 'renderer 1'")
    db.close()
    assert kzfeed("render").exit_code == 0  # type: ignore[attr-defined]
    assert archive.read_bytes() == fresh
    before = archive.stat().st_mtime_ns
    assert kzfeed("render").exit_code == 0  # type: ignore[attr-defined]
    assert archive.stat().st_mtime_ns == before  # and then it stays as it is
