"""`kzfeed sources add | check | remove` against a local site, and the feed formats they accept
(JSON Feed, RSS 1.0 with dc:date) as `kzfeed run` reads them."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import CliResult
from kzfeed.testing._httpserver import LocalHTTPServer

Kz = Callable[..., CliResult]

ON_BEAT = [
    (
        "Kazakhstan and the European Union sign a raw materials partnership",
        "Astana and Brussels agreed on critical raw materials: President Tokayev and the European "
        "Commission signed a memorandum on lithium and rare earths supply chains.",
    ),
    (
        "EU and Kazakhstan open the Trans-Caspian route office",
        "The European Union and Kazakhstan opened an office for the Trans-Caspian International "
        "Transport Route in Aktau, with funding from the Global Gateway.",
    ),
]
OFF_BEAT = ("Football: local derby ends in a draw", "The two city teams drew one all on Sunday evening.")

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Steppe Daily</title><link>{base}/</link>
<description>news</description><language>en</language>
{items}</channel></rss>"""
RSS_ITEM = """<item><title>{title}</title><link>{base}/news/{n}.html</link><guid>{base}/news/{n}</guid>
<description>{text}</description><pubDate>Mon, 02 Nov 2026 0{n}:00:00 GMT</pubDate></item>"""
RSS10 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="{base}/"><title>RDF Wire</title><link>{base}/</link><description>d</description>
<dc:language>en</dc:language></channel>
<item rdf:about="{base}/rdf/1"><title>{title}</title><link>{base}/rdf/1</link>
<description>{text}</description><dc:date>2026-11-02T10:00:00+06:00</dc:date></item>
</rdf:RDF>"""
PAGE = """<!doctype html><html><head><title>Steppe Daily</title>{link}</head>
<body><h1>Steppe Daily</h1><p>News from the steppe.</p></body></html>"""
CONFIG = """# my beat
title = "My beat"   # keep this comment

[fetch]
min_delay = 0
exempt_loopback = true
allow_private = ["127.0.0.1"]
"""


def _rss(base: str) -> str:
    entries = [*ON_BEAT, OFF_BEAT]
    items = "".join(
        RSS_ITEM.format(base=base, n=n, title=title, text=text) for n, (title, text) in enumerate(entries, 1)
    )
    return RSS.format(base=base, items=items)


def _json_feed(base: str) -> str:
    items = [
        {
            "id": f"{base}/j/{n}",
            "url": f"{base}/j/{n}.html",
            "title": title,
            "content_text": text,
            "date_published": f"2026-11-0{n}T08:00:00Z",
            "authors": [{"name": "Aigerim Sadykova"}],
            "tags": ["trade"],
        }
        for n, (title, text) in enumerate([*ON_BEAT, OFF_BEAT], 1)
    ]
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Caspian JSON",
        "language": "en",
        "items": items,
    }
    return json.dumps(feed)


@pytest.fixture
def site(project: Path) -> Iterator[LocalHTTPServer]:
    """A local site: / links its feed, /plain/ links none (its feed is at /feed), /feed.json."""
    (project / "kzfeed.toml").write_text(CONFIG, encoding="utf-8")
    with LocalHTTPServer() as server:
        base = server.base_url.rstrip("/")
        feed = '<link rel="alternate" type="application/rss+xml" title="RSS" href="/news/rss.xml">'
        server.route("/", body=PAGE.format(link=feed).encode(), content_type="text/html")
        server.route("/news/rss.xml", body=_rss(base).encode(), content_type="application/rss+xml")
        server.route("/plain/", body=PAGE.format(link="").encode(), content_type="text/html")
        server.route("/feed", body=_rss(base).encode(), content_type="application/rss+xml")
        server.route("/feed.json", body=_json_feed(base).encode(), content_type="application/feed+json")
        server.route(
            "/rdf.xml", body=RSS10.format(base=base, title=ON_BEAT[0][0], text=ON_BEAT[0][1]).encode()
        )
        yield server


def test_add_finds_the_feed_a_page_links_and_keeps_the_config_as_written(
    kzfeed: Kz, project: Path, site: LocalHTTPServer
) -> None:
    result = kzfeed("sources", "add", site.url("/"))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"feed: {site.url('/news/rss.xml')}  (RSS 2.0, announced by the page)"
    assert "title: Steppe Daily" in lines
    assert "entries: 3; languages: en 3" in lines
    assert any(line.startswith("on the beat: 2 of 3") for line in lines)
    assert f"  + {ON_BEAT[0][0]}" in lines and f"  + {OFF_BEAT[0]}" not in lines
    assert lines[-1].startswith("added source 'steppe-daily' to ")
    text = (project / "kzfeed.toml").read_text(encoding="utf-8")
    assert text.startswith(CONFIG)
    sources = tomllib.loads(text)["sources"]
    assert sources[-1] == {"name": "steppe-daily", "type": "rss", "url": site.url("/news/rss.xml")}
    again = kzfeed("sources", "add", site.url("/news/rss.xml"))
    assert again.exit_code == 2 and "already a source: 'steppe-daily'" in again.stderr
    run = kzfeed("run", "--source", "steppe-daily")
    assert run.exit_code == 0, run.stderr
    assert "steppe-daily: 3 new" in run.stdout


def test_check_finds_a_feed_at_a_common_path_and_adds_nothing(
    kzfeed: Kz, project: Path, site: LocalHTTPServer
) -> None:
    result = kzfeed("sources", "check", site.url("/plain/"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"feed: {site.url('/feed')}  (RSS 2.0, found at /feed)"
    assert (project / "kzfeed.toml").read_text(encoding="utf-8") == CONFIG


def test_a_json_feed_is_a_source_like_rss(kzfeed: Kz, project: Path, site: LocalHTTPServer) -> None:
    result = kzfeed("sources", "add", site.url("/feed.json"), "--name", "caspian")
    assert result.exit_code == 0, result.stderr
    assert "(JSON Feed 1.1, the address is a feed)" in result.stdout
    assert "on the beat: 2 of 3" in result.stdout
    run = kzfeed("run", "--source", "caspian")
    assert run.exit_code == 0, run.stderr
    assert "caspian: 3 new" in run.stdout
    records = [json.loads(line) for line in kzfeed("export", "--all").stdout.splitlines()]
    mine = sorted((r for r in records if r["source"] == "caspian"), key=lambda r: r["published"])
    assert [r["title"] for r in mine] == [ON_BEAT[0][0], ON_BEAT[1][0], OFF_BEAT[0]]
    assert mine[0]["published"] == "2026-11-01T08:00:00+00:00"
    assert mine[0]["author"] == "Aigerim Sadykova" and mine[0]["outlet"] == "Caspian JSON"
    assert [r["relevant"] for r in mine] == [True, True, False]


def test_rss_1_0_dc_date_is_the_published_date(kzfeed: Kz, project: Path, site: LocalHTTPServer) -> None:
    assert kzfeed("sources", "add", site.url("/rdf.xml"), "--name", "rdf").exit_code == 0
    assert kzfeed("run", "--source", "rdf").exit_code == 0
    (record,) = [json.loads(line) for line in kzfeed("export", "--all").stdout.splitlines()]
    assert record["published"] == "2026-11-02T04:00:00+00:00"


def test_an_address_without_a_feed_is_a_clear_error(kzfeed: Kz, project: Path, site: LocalHTTPServer) -> None:
    for path in ("/feed", "/feed.json"):
        site.route(path, status=404)
    result = kzfeed("sources", "add", site.url("/plain/"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"kzfeed: error: no feed found for {site.url('/plain/')}")
    assert "/rss.xml" in result.stderr and 'type = "html"' in result.stderr
    assert (project / "kzfeed.toml").read_text(encoding="utf-8") == CONFIG


def test_remove_takes_out_one_source_and_its_comment_only(kzfeed: Kz, project: Path) -> None:
    config = project / "kzfeed.toml"
    config.write_text(
        '# top\ntitle = "x"\n\n[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n\n'
        '# the astana times\n[[sources]]\nname = "at"\ntype = "rss"\nurl = "https://astanatimes.com/feed/"\n'
        '# full_content = true\n\n# comment of c\n[[sources]]\nname = "c"\ntype = "rss"\n'
        'url = "https://c.example/feed"\n\n[fetch]\nmin_delay = 2.0\n',
        encoding="utf-8",
    )
    result = kzfeed("sources", "remove", "at")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("removed source 'at' from ")
    assert config.read_text(encoding="utf-8") == (
        '# top\ntitle = "x"\n\n[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n\n'
        '# comment of c\n[[sources]]\nname = "c"\ntype = "rss"\n'
        'url = "https://c.example/feed"\n\n[fetch]\nmin_delay = 2.0\n'
    )
    missing = kzfeed("sources", "remove", "at")
    assert missing.exit_code == 2
    assert "no [[sources]] table named 'at'" in missing.stderr and "seeds, c" in missing.stderr


def test_add_then_remove_gives_back_the_config_init_wrote(
    kzfeed: Kz, project: Path, site: LocalHTTPServer
) -> None:
    assert kzfeed("init", "--force").exit_code == 0
    config = project / "kzfeed.toml"
    fetch = 'contact_url = "https://github.com/kzfeed/kzfeed"\n'
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            fetch, fetch + 'min_delay = 0\nexempt_loopback = true\nallow_private = ["127.0.0.1"]\n'
        ),
        encoding="utf-8",
    )
    written = config.read_text(encoding="utf-8")
    added = kzfeed("sources", "add", site.url("/"))
    assert added.exit_code == 0, added.stderr
    assert config.read_text(encoding="utf-8").startswith(written)
    assert kzfeed("sources", "remove", "steppe-daily").exit_code == 0
    assert config.read_text(encoding="utf-8") == written


def test_rss_bylines_are_names_not_addresses(kzfeed: Kz, project: Path, site: LocalHTTPServer) -> None:
    base = site.base_url.rstrip("/")
    items = "".join(
        f"<item><title>{title}</title><link>{base}/by/{n}</link><description>{text}</description>"
        f"<pubDate>Mon, 02 Nov 2026 0{n}:00:00 GMT</pubDate>{author}</item>"
        for n, ((title, text), author) in enumerate(
            zip(
                [*ON_BEAT, OFF_BEAT],
                [
                    "<author>jane@steppe.example (Jane Doe)</author>",
                    "<author>desk@steppe.example</author>",
                    "",
                ],
                strict=True,
            ),
            1,
        )
    )
    site.route(
        "/by.xml", body=RSS.format(base=base, items=items).encode(), content_type="application/rss+xml"
    )
    assert kzfeed("sources", "add", site.url("/by.xml"), "--name", "by").exit_code == 0
    assert kzfeed("run", "--source", "by").exit_code == 0
    records = {
        json.loads(line)["title"]: json.loads(line) for line in kzfeed("export", "--all").stdout.splitlines()
    }
    assert records[ON_BEAT[0][0]]["author"] == "Jane Doe"
    assert records[ON_BEAT[1][0]]["author"] is None  # an address alone is no byline
