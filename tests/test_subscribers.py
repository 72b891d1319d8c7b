"""Real feed readers subscribe to ``kzfeed serve``: the reader library, and newsboat."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from test_story_pipeline import serving

STORIES = Path(__file__).parent / "data" / "stories"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def site(project: Path, write_config: Callable[..., Path], kzfeed: Callable[..., object]) -> Iterator[str]:
    """``kzfeed run`` on the seeds and a story reported three times, then ``kzfeed serve``
    in its own process, as a user would run it."""
    shutil.copytree(STORIES, project / "news")
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    write_config(
        f'base_url = "{base}"\n[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n'
        '[[sources]]\nname = "news"\ntype = "files"\npath = "news"\n'
    )
    assert kzfeed("run").exit_code == 0  # type: ignore[attr-defined]
    with serving(project, base):
        yield base


def test_reader_library_sees_every_story_once_and_nothing_new_on_update(site: str, tmp_path: Path) -> None:
    from reader import make_reader

    reader = make_reader(str(tmp_path / "reader.sqlite"))
    try:
        for path in ("feed.atom", "feed.rss", "feed.json", "topics/raw_materials.atom"):
            reader.add_feed(site + path)
        reader.update_feeds()
        for feed in reader.get_feeds():
            assert feed.last_exception is None, (feed.url, feed.last_exception)
        atom = list(reader.get_entries(feed=site + "feed.atom"))
        titles = [e.title for e in atom]
        assert len(titles) == len(set(titles)) == 8
        assert sum("roadmap" in t for t in titles) == 1  # three reports, one story
        assert {e.id for e in atom} == {e.id for e in reader.get_entries(feed=site + "feed.rss")}
        assert {e.id for e in atom} == {e.id for e in reader.get_entries(feed=site + "feed.json")}
        before = {(e.feed_url, e.id, e.updated) for e in reader.get_entries()}
        reader.update_feeds()
        after = {(e.feed_url, e.id, e.updated) for e in reader.get_entries()}
        assert after == before
        assert reader.get_entry_counts().total == len(before)
    finally:
        reader.close()


def _newsboat() -> str:
    path = shutil.which("newsboat")
    if path is None:
        pytest.skip("newsboat is not installed (make test installs it with apt-get where it can)")
    return path


def test_newsboat_sees_every_story_once_and_nothing_new_on_reload(site: str, tmp_path: Path) -> None:
    newsboat = _newsboat()
    urls = tmp_path / "urls"
    urls.write_text(site + "feed.atom\n" + site + "topics/energy.rss\n")
    cache = tmp_path / "cache.db"
    config = tmp_path / "config"
    config.write_text("")
    args = [newsboat, "-u", str(urls), "-c", str(cache), "-C", str(config), "-x", "reload"]
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    subprocess.run(args, check=True, env=env, timeout=60, capture_output=True)
    import sqlite3

    def entries() -> list[tuple[str, str]]:
        with sqlite3.connect(cache) as db:
            return sorted(db.execute("SELECT feedurl, guid FROM rss_item"))

    first = entries()
    # newsboat keeps one row per guid: the energy feed's stories are the overall feed's
    guids = [g for _, g in first]
    assert len(guids) == len(set(guids)) == 8
    subprocess.run(args, check=True, env=env, timeout=60, capture_output=True)
    assert entries() == first


def _chromium(url: str, tmp_path: Path) -> str:
    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("chromium is not installed (make test installs it with apt-get where it can)")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}",
        "--virtual-time-budget=3000",
        "--dump-dom",
    ]
    done = subprocess.run([browser, *flags, url], capture_output=True, timeout=120, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_index_renders_the_stories_in_chromium_and_its_links_resolve(site: str, tmp_path: Path) -> None:
    import urllib.request

    from lxml import html

    page = html.fromstring(_chromium(site + "index.html", tmp_path))
    assert not page.xpath("//script")  # nothing needs JavaScript
    stories = page.xpath('//ol[@id="stories"]/li')
    assert len(stories) == 8
    roadmap = [li for li in stories if "roadmap" in li.text_content()]
    assert len(roadmap) == 1  # three reports, one story
    assert "Astana Times, Kazinform, EU Reporter" in roadmap[0].text_content()
    assert "3 reports" in roadmap[0].text_content()
    assert all("seeds" not in li.xpath('string(.//p[@class="meta"])') for li in stories)
    links = (
        page.xpath('//section[@id="feeds"]//a/@href')
        + page.xpath('//link[@rel="alternate"]/@href')
        + page.xpath('//nav[@class="filters"]//a/@href')
        + roadmap[0].xpath('.//a[@class="reports"]/@href')
    )
    assert len(links) >= 40
    for href in set(links):
        with urllib.request.urlopen(site + href, timeout=10) as response:
            assert response.status == 200, href
    # a topic filter is a plain link: the topic's page lists only that topic's stories
    href = page.xpath('//nav[@class="filters"]//a[text()="Education and culture"]/@href')[0]
    topic = html.fromstring(_chromium(site + href, tmp_path))
    assert topic.xpath("//h1")[0].text_content() == "Education and culture"
    assert 0 < len(topic.xpath('//ol[@id="stories"]/li')) < 8
    assert topic.xpath('//nav[@class="filters"]//a[@aria-current="page"]')[0].text == "Education and culture"


def test_a_feed_opened_in_chromium_reads_as_a_page(site: str, tmp_path: Path) -> None:
    import urllib.parse

    from lxml import html

    page = html.fromstring(_chromium(site + "topics/energy.atom", tmp_path))
    assert page.xpath("//h1")[0].text_content() == "Energy"
    assert len(page.xpath('//ol[@id="stories"]/li')) >= 1
    assert "Follow this topic in a feed reader" in page.text_content()
    subscribe = page.xpath('//p[@class="subscribe"]/a/@href')[0]
    assert urllib.parse.urljoin(site + "topics/energy.atom", subscribe) == site + "topics/energy.atom"


def test_serve_gives_a_browser_the_page_of_a_feed_and_a_reader_the_feed(site: str, project: Path) -> None:
    import urllib.request

    def get(path: str, accept: str) -> tuple[str, str, bytes]:
        request = urllib.request.Request(site + path, headers={"Accept": accept})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers["Content-Type"], response.headers["Vary"], response.read()

    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
    feedparser = "application/atom+xml,application/rdf+xml,application/rss+xml,application/x-netcdf,application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1"
    public = project / "public"
    for feed, page in (("topics/energy.atom", "topics/energy.html"), ("feed.rss", "index.html")):
        content_type, vary, body = get(feed, browser)
        assert content_type.startswith("text/html") and "Accept" in vary
        assert body == (public / page).read_bytes()
        content_type, vary, body = get(feed, feedparser)
        assert not content_type.startswith("text/html") and "Accept" in vary
        assert body == (public / feed).read_bytes()
