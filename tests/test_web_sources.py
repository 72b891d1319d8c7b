"""The rss and html source types through `kzfeed run`, against the local HTTP server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CliResult
from kzfeed.config._load import load_config
from kzfeed.models import Item
from kzfeed.storage import open_store
from kzfeed.testing._httpserver import LocalHTTPServer

Kz = Callable[..., CliResult]
Write = Callable[[str], Path]

FETCH = '[fetch]\nexempt_loopback = true\nallow_private = ["127.0.0.1"]\ncontact_url = "mailto:ops@example.org"\n{extra}\n'


def config(write_config: Write, sources: str, *, fetch: str = "") -> None:
    write_config(FETCH.format(extra=fetch) + sources)


def rss(name: str, url: str, **options: object) -> str:
    extra = "".join(f"{k} = {json.dumps(v)}\n" for k, v in options.items())
    return f'[[sources]]\nname = "{name}"\ntype = "rss"\nurl = "{url}"\n{extra}'


def stored(source: str | None = None) -> list[Item]:
    store = open_store(load_config(None).database)
    try:
        return store.items(relevant=None, source=source)
    finally:
        store.close()


def state(name: str):  # type: ignore[no-untyped-def]
    store = open_store(load_config(None).database)
    try:
        return store.source_state(name)
    finally:
        store.close()


def test_summary_only_feed_gets_the_full_text_of_each_article(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer
) -> None:
    config(write_config, rss("tt", http_server.url("/web/feeds/summary.xml")))
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    assert "tt: 3 new" in result.stdout
    items = {i.title: i for i in stored("tt")}
    lithium = items["EU and Kazakhstan agree a roadmap on lithium and rare earths"]
    # relative links resolved against the feed's URL
    assert lithium.url == http_server.url("/web/articles/eu-kazakhstan-lithium-roadmap.html")
    # the page's text, not the feed's one-line summary
    assert "move up the value chain" in lithium.content_text
    assert "All rights reserved" not in lithium.content_text
    assert lithium.published is not None and lithium.published.isoformat() == "2025-06-10T04:30:00+00:00"
    assert lithium.categories == ("EU", "Kazakhstan")
    assert lithium.author == "Aigerim Sadykova"
    assert len(http_server.requests_to("/web/articles/eu-kazakhstan-lithium-roadmap.html")) == 1
    export = [json.loads(line) for line in kzfeed("export", "--all").stdout.splitlines()]
    assert {(e["source"], "value chain" in e["text"]) for e in export} >= {("tt", True)}


def test_full_content_feed_entries_keep_the_feeds_text_links_and_enclosures(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer
) -> None:
    config(write_config, rss("full", http_server.url("/web/feeds/full.xml"), outlet="Test Times"))
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    (item,) = stored("full")
    # tracking parameters and fragment dropped, host lower-cased: the item's unique key
    assert item.canonical_url == "https://www.test-times.example/articles/eu-kazakhstan-lithium-roadmap"
    assert item.guid == "https://www.test-times.example/?p=101"
    assert item.author == "Aigerim Sadykova"
    assert item.outlet == "Test Times"
    assert item.lang == "en"
    assert item.categories == ("Raw materials", "EU")
    # relative enclosure links are resolved against the feed's own URL
    assert item.image == http_server.url("/uploads/lithium-mine.jpg")
    assert http_server.url("/uploads/roadmap.pdf") in item.content_html
    assert "move up the value chain" in item.content_text
    assert [r.path for r in http_server.requests] == ["/web/feeds/full.xml"]  # no page fetched


def test_atom_feed_with_dates_author_and_language(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer
) -> None:
    config(write_config, rss("atom", http_server.url("/web/feeds/atom.xml"), full_content=False))
    assert kzfeed("run").exit_code == 0
    (item,) = stored("atom")
    assert item.title == "Deutschland und Kasachstan vertiefen Rohstoffpartnerschaft"
    assert item.published is not None and item.published.isoformat() == "2025-06-10T06:00:00+00:00"
    assert item.updated is not None and item.updated.isoformat() == "2025-06-11T06:00:00+00:00"
    assert item.author == "Jana Müller"
    assert item.lang == "de"
    assert item.content_text.startswith("Deutschland und Kasachstan wollen")


def test_unchanged_feed_answers_304_and_nothing_is_parsed_or_written(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer
) -> None:
    http_server.route("/web/feeds/summary.xml", headers={"ETag": '"v1"'}, conditional=True)
    config(write_config, rss("tt", http_server.url("/web/feeds/summary.xml")))
    assert kzfeed("run").exit_code == 0
    before = {i.id: i for i in stored()}
    http_server.reset()
    http_server.route("/web/feeds/summary.xml", headers={"ETag": '"v1"'}, conditional=True)
    second = kzfeed("run", "--all")  # not due yet: every source now, asked with its validators
    assert second.exit_code == 0, second.stderr
    assert "tt: not modified since the last run" in second.stdout
    (request,) = http_server.requests
    assert request.headers["if-none-match"] == '"v1"'
    assert {i.id: i for i in stored()} == before  # same items, same fetched/first-seen times
    health = state("tt")
    assert health.last_status == 304 and health.consecutive_failures == 0
    assert "304" in kzfeed("sources").stdout


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_moves_the_source_for_good(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer, status: int
) -> None:
    http_server.redirect("/old/feed.xml", "/web/feeds/atom.xml", status=status)
    config(write_config, rss("moved", http_server.url("/old/feed.xml")))
    first = kzfeed("run")
    assert first.exit_code == 0
    assert "moved permanently" in first.stderr
    assert state("moved").url == http_server.url("/web/feeds/atom.xml")
    assert f"fetched from {http_server.url('/web/feeds/atom.xml')}" in kzfeed("sources").stdout
    http_server.reset()
    assert kzfeed("run", "--all").exit_code == 0
    assert [r.path for r in http_server.requests] == ["/web/feeds/atom.xml"]
    export = kzfeed("sources", "export").stdout
    assert f'xmlUrl="{http_server.url("/web/feeds/atom.xml")}"' in export


def test_410_gone_pauses_the_source_at_once_until_reset(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer
) -> None:
    http_server.route("/gone.xml", status=410)
    config(
        write_config,
        rss("gone", http_server.url("/gone.xml")) + rss("ok", http_server.url("/web/feeds/atom.xml")),
    )
    first = kzfeed("run")
    assert first.exit_code == 1
    assert "410 Gone" in first.stderr and "paused after 1 failures" in first.stderr
    assert "ok: 1 new" in first.stdout
    table = kzfeed("sources").stdout
    assert any(line.split()[:4] == ["gone", "rss", "paused", "410"] for line in table.splitlines())
    second = kzfeed("run")
    assert "gone: paused:" in second.stdout and second.exit_code == 0
    assert len(http_server.requests_to("/gone.xml")) == 1
    reset = kzfeed("sources", "reset", "gone")
    assert reset.exit_code == 0 and "reset" in reset.stdout
    http_server.route("/gone.xml", file="web/feeds/atom.xml")
    http_server.route("/web/feeds/atom.xml", file="web/feeds/atom.xml")
    assert kzfeed("run").exit_code == 0
    assert not state("gone").paused


def test_reset_of_an_unknown_source_is_a_usage_error(kzfeed: Kz, write_config: Write) -> None:
    config(write_config, "")
    result = kzfeed("sources", "reset", "nope")
    assert result.exit_code == 2
    assert "no source named 'nope'" in result.stderr


def test_429_with_retry_after_is_honoured_by_the_next_runs(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer
) -> None:
    http_server.route("/busy.xml", status=429, headers={"Retry-After": "3600"})
    config(write_config, rss("busy", http_server.url("/busy.xml")))
    first = kzfeed("run")
    assert first.exit_code == 1
    assert "HTTP 429" in first.stderr and "asks kzfeed to wait" in first.stderr
    health = state("busy")
    assert health.next_due is not None and health.last_attempt is not None
    assert (health.next_due - health.last_attempt).total_seconds() >= 3500
    second = kzfeed("run")
    assert second.exit_code == 0
    assert "busy: skipped: not due before" in second.stdout
    # named on the command line it is tried, but the fetcher still sends no request
    third = kzfeed("run", "--source", "busy")
    assert third.exit_code == 1 and "asked kzfeed to wait" in third.stderr
    assert len(http_server.requests_to("/busy.xml")) == 1


def test_a_timeout_fails_that_source_only(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer
) -> None:
    http_server.route("/slow.xml", file="web/feeds/atom.xml", delay=3)
    config(
        write_config,
        rss("slow", http_server.url("/slow.xml")) + rss("atom", http_server.url("/web/feeds/atom.xml")),
        fetch="read_timeout = 0.5",
    )
    result = kzfeed("run")
    assert result.exit_code == 1
    assert "kzfeed: slow: " in result.stderr and "read timeout" in result.stderr
    assert "atom: 1 new" in result.stdout


def test_an_oversized_feed_is_refused(kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer) -> None:
    config(write_config, rss("big", http_server.url("/web/feeds/summary.xml")), fetch="max_bytes = 1000")
    result = kzfeed("run")
    assert result.exit_code == 1
    assert "larger than the limit of 1,000 bytes" in result.stderr


def test_a_gzip_feed_is_read(kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer) -> None:
    http_server.route("/web/feeds/atom.xml", gzip=True)
    config(write_config, rss("gz", http_server.url("/web/feeds/atom.xml")))
    assert kzfeed("run").exit_code == 0
    assert http_server.requests[0].headers["accept-encoding"] == "gzip, deflate"
    assert [i.title for i in stored("gz")] == ["Deutschland und Kasachstan vertiefen Rohstoffpartnerschaft"]


@pytest.mark.parametrize(
    ("path", "content_type", "title"),
    [
        ("/web/feeds/cp1251.xml", "application/rss+xml", "Казахстан и ЕС подписали дорожную карту по сырью"),
        (
            "/web/feeds/cp1251.xml",
            "application/xml; charset=ISO-8859-1",
            "Казахстан и ЕС подписали дорожную карту по сырью",
        ),
        (
            "/web/feeds/cp1251-undeclared.xml",
            "application/xml",
            "Казахстан и ЕС подписали дорожную карту по сырью",
        ),
        (
            "/web/feeds/latin1.xml",
            "application/rss+xml",
            "Métaux critiques : la France et le Kazakhstan coopèrent",
        ),
    ],
)
def test_feed_encodings_come_out_as_correct_text(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer, path: str, content_type: str, title: str
) -> None:
    http_server.route(path, content_type=content_type)
    config(write_config, rss("enc", http_server.url(path), full_content=False))
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    (item,) = stored("enc")
    assert item.title == title
    assert item.published is not None


def test_a_feed_with_errors_is_ingested_with_a_warning_naming_the_problem(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer
) -> None:
    config(write_config, rss("bozo", http_server.url("/web/feeds/bozo.xml")))
    result = kzfeed("run")
    assert result.exit_code == 0
    assert "bozo: 1 new" in result.stdout
    assert "has errors (SAXParseException" in result.stderr and "not well-formed" in result.stderr
    assert stored("bozo")[0].title == "EU & Kazakhstan agree a roadmap on lithium and rare earths"


def test_a_page_that_is_not_a_feed_is_a_source_error(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer
) -> None:
    config(write_config, rss("page", http_server.url("/web/feeds/notafeed.html")))
    result = kzfeed("run")
    assert result.exit_code == 1
    assert "is not an RSS or Atom feed" in result.stderr


def test_failed_full_text_keeps_the_feeds_text(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer
) -> None:
    http_server.route("/web/articles/erasmus-students-astana-2025.html", status=500)
    config(write_config, rss("tt", http_server.url("/web/feeds/summary.xml")))
    result = kzfeed("run")
    assert result.exit_code == 0
    assert "full text of" in result.stderr and "the feed's text is kept" in result.stderr
    erasmus = next(i for i in stored("tt") if "Erasmus" in i.title)
    assert erasmus.content_text.startswith("The number of Kazakh students")


def test_the_pause_after_n_failures(kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer) -> None:
    http_server.route("/down.xml", status=503)
    config(write_config, rss("down", http_server.url("/down.xml")), fetch="max_failures = 3")
    for _ in range(2):
        assert kzfeed("run", "--source", "down").exit_code == 1
    assert not state("down").paused
    third = kzfeed("run", "--source", "down")
    assert "paused after 3 failures" in third.stderr
    assert state("down").paused
    assert "kzfeed sources reset down" in kzfeed("sources").stdout


def test_a_bad_source_option_is_a_configuration_error(kzfeed: Kz, write_config: Write) -> None:
    config(write_config, rss("x", "https://example.org/feed", full_content="sometimes"))
    result = kzfeed("run")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "kzfeed: error: source 'x': key 'full_content' must be \"auto\", true or false, not 'sometimes'"
    ]


# --- html -----------------------------------------------------------------------------------


def html(name: str, **options: object) -> str:
    extra = "".join(f"{k} = {json.dumps(v)}\n" for k, v in options.items())
    return f'[[sources]]\nname = "{name}"\ntype = "html"\n{extra}'


ARTICLES = {
    "/web/articles/eu-kazakhstan-lithium-roadmap.html",
    "/web/articles/trans-caspian-route-investment-2025.html",
    "/web/articles/erasmus-students-astana-2025.html",
}


def test_listing_page_discovery_follows_article_links_only(
    kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer
) -> None:
    config(write_config, html("news", url=http_server.url("/web/news/index.html")))
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    assert "news: 3 new" in result.stdout
    items = stored("news")
    assert {i.canonical_url for i in items} == {http_server.url(p) for p in ARTICLES}
    lithium = next(i for i in items if "lithium" in i.title)
    assert lithium.outlet == "Test Times" and lithium.author == "Aigerim Sadykova"
    assert lithium.published is not None and lithium.published.isoformat() == "2025-06-10T04:30:00+00:00"
    fetched = {r.path.split("?")[0] for r in http_server.requests}
    assert (
        fetched == {"/robots.txt", "/web/news/index.html"} | ARTICLES
    )  # no tag, category, jpg or other site
    http_server.reset()
    second = kzfeed("run", "--all")
    assert "news: 0 new" in second.stdout
    assert {r.path for r in http_server.requests} == {"/web/news/index.html", "/robots.txt"}
    http_server.reset()
    third = kzfeed("run", "--refetch")
    assert "news: 0 new, 0 updated, 3 unchanged" in third.stdout
    assert {r.path for r in http_server.requests} >= ARTICLES


def test_include_exclude_and_max_items(kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer) -> None:
    listing = http_server.url("/web/news/index.html")
    config(
        write_config,
        html("some", url=listing, include=["/articles/"], exclude=["erasmus"])
        + html("one", url=listing, max_items=1),
    )
    result = kzfeed("run", "--source", "some")  # alone: an article belongs to the first source storing it
    assert result.exit_code == 0, result.stderr
    assert {i.title for i in stored("some")} == {
        "EU and Kazakhstan agree a roadmap on lithium and rare earths",
        "Brussels backs the Trans-Caspian route with new investment",
    }
    assert kzfeed("run", "--source", "one").exit_code == 0
    assert state("one").items_last_run == 1  # max_items = 1: one page read this run


def test_sitemap_discovery(kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer) -> None:
    sitemap = (Path(__file__).parent / "data/http/web/news/sitemap.xml").read_text()
    http_server.route(
        "/sitemap.xml",
        body=sitemap.replace("http://HOST", http_server.base_url).encode(),
        content_type="application/xml",
    )
    config(write_config, html("map", url=http_server.url("/sitemap.xml")))
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    assert {i.title for i in stored("map")} == {
        "Brussels backs the Trans-Caspian route with new investment",
        "More Kazakh students join Erasmus+ exchanges in Europe",
    }


def test_listed_pages_obey_robots_txt(kzfeed: Kz, write_config: Write, http_server: LocalHTTPServer) -> None:
    config(
        write_config,
        html(
            "pages",
            urls=[
                http_server.url("/no-kzfeed/eu-kazakhstan-secret-talks.html"),
                http_server.url("/web/articles/erasmus-students-astana-2025.html"),
            ],
        )
        + html("secret", urls=[http_server.url("/no-kzfeed/eu-kazakhstan-secret-talks.html")]),
    )
    result = kzfeed("run")
    assert "robots.txt of" in result.stderr and "disallows" in result.stderr
    assert "pages: 1 new" in result.stdout
    assert result.exit_code == 1
    assert "kzfeed: secret: source 'secret': none of its 1 page(s) could be read" in result.stderr
    assert not http_server.requests_to("/no-kzfeed/eu-kazakhstan-secret-talks.html")


def test_html_needs_url_or_urls(kzfeed: Kz, write_config: Write) -> None:
    config(write_config, html("nothing"))
    result = kzfeed("run")
    assert result.exit_code == 2
    assert "give either 'urls'" in result.stderr
