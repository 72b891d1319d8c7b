"""A hostile site, end to end: a local server (listed in allow_private) serves the feeds of
issue 12 that attacked readers or stopped runs; one run reads them next to the seeds, and
what subscribers get is checked as a browser and a feed reader would read it."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

import feedparser
import html5lib

from conftest import CliResult
from feedcheck import assert_valid_atom, parse_feed
from htmlcheck import script_risks
from kzfeed.config._load import load_config
from kzfeed.storage import open_store
from kzfeed.testing import LocalHTTPServer

Kz = Callable[..., CliResult]
ENTRY = """<item><title>{title}</title><link>https://news.example.org/{guid}</link><guid>urn:test:{guid}</guid>
<description>{description}</description>{extra}</item>"""
HOSTILE = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Hostile</title><link>https://news.example.org/</link><description>d</description>
{entries}
</channel></rss>
"""
UTF16 = """<?xml version="1.0" encoding="UTF-16"?>
<rss version="2.0"><channel><title>Astana</title><link>https://news.example.kz/</link><description>d</description>
<item><title>Қазақстан мен ЕО литий туралы келісті</title><link>https://news.example.kz/u</link><guid>u</guid>
<description>Astana and Brussels agreed on lithium.</description></item>
</channel></rss>
"""


def _entries() -> str:
    escaped_markup = html.escape("&lt;img src=x onerror=alert(1)&gt; Astana and Brussels on lithium")
    handler = html.escape(
        '<p><img alt="src=" title="t" src="x.png"> Astana <a href="java&#x09;script:alert(1)">EU</a></p>'
    )
    frames = html.escape(
        '<iframe src="https://evil.example/"></iframe><meta http-equiv="refresh" content="0"><p>Astana</p>'
    )
    return "\n".join(
        [
            ENTRY.format(title="Escaped markup", guid="a", description=escaped_markup, extra=""),
            ENTRY.format(
                title="Handler",
                guid="b",
                description="Astana",
                extra=f"<content:encoded>{handler}</content:encoded>",
            ),
            ENTRY.format(title="Frames", guid="c", description=frames, extra=""),
            ENTRY.format(title="First of two", guid="d", description="Astana and Brussels", extra=""),
            ENTRY.format(
                title="Second of two", guid="d", description="Astana and Brussels", extra=""
            ).replace("news.example.org/d", "news.example.org/d-moved"),
        ]
    )


def test_a_hostile_feed_scripts_no_reader_and_stops_nothing(
    kzfeed: Kz, project: Path, write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "hostile.xml").write_text(HOSTILE.format(entries=_entries()), encoding="utf-8")
    (site / "u16.xml").write_bytes(UTF16.encode("utf-16-be"))  # no byte-order mark
    with LocalHTTPServer(root=site) as server:
        write_config(
            '[fetch]\nallow_private = ["127.0.0.1"]\ncontact_url = "mailto:ops@example.org"\n'
            f'[[sources]]\nname = "hostile"\ntype = "rss"\nurl = "{server.url("/hostile.xml")}"\n'
            "full_content = false\n"
            f'[[sources]]\nname = "u16"\ntype = "rss"\nurl = "{server.url("/u16.xml")}"\nfull_content = false\n'
            '[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n'
            '[classifier]\nname = "keywords"\nthreshold = 0.0\n'
        )
        result = kzfeed("run")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert (
        "1 entry repeats the id (guid) of an earlier or stored one with another link, e.g. 'urn:test:d'"
        in result.stderr
    )

    store = open_store(load_config(None).database)
    titles = {i.source: set() for i in store.items(relevant=None)}
    for item in store.items(relevant=None):
        titles[item.source].add(item.title)
    store.close()
    assert titles["hostile"] == {"Escaped markup", "Handler", "Frames", "First of two"}
    assert titles["u16"] == {"Қазақстан мен ЕО литий туралы келісті"}
    assert len(titles["seeds"]) == 5

    public = project / "public"
    atom, rss = (public / "feed.atom").read_bytes(), (public / "feed.rss").read_bytes()
    assert_valid_atom(atom)
    feed = json.loads((public / "feed.json").read_bytes())
    fields = [e.content[0].value for e in parse_feed(atom).entries]
    fields += [e.summary for e in feedparser.parse(rss).entries]
    fields += [e.content[0].value for e in feedparser.parse(rss).entries if "content" in e]
    fields += [i["content_html"] for i in feed["items"]]
    # what a browser builds from each HTML field: no handler, frame, meta or script URL
    for field in fields:
        assert script_risks(field) == [], field
    # RSS readers take the description for HTML: the site's escaped markup is shown as the
    # text the site's own readers saw, and builds no element
    root = html5lib.parseFragment(_rss_description(rss, "Escaped markup"), namespaceHTMLElements=False)
    assert root.find(".//img") is None
    assert "".join(root.itertext()) == "<img src=x onerror=alert(1)> Astana and Brussels on lithium"


def _rss_description(rss: bytes, title: str) -> str:
    from lxml import etree

    for item in etree.fromstring(rss).iter("item"):
        if item.findtext("title") == title:
            return item.findtext("description") or ""
    raise AssertionError(f"no RSS item titled {title!r}")
