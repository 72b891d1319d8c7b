"""The HTML pages as a reader sees them after ``kzfeed run``: the front page, topic pages,
story pages and item pages; what they say when empty; hostile text from sources."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import html5lib
import pytest
from lxml import etree, html

from conftest import CliResult
from test_hostile_items import plugin_source

Kz = Callable[..., CliResult]
STORIES = Path(__file__).parent / "data" / "stories"
A = "{http://www.w3.org/2005/Atom}"
SOURCES = (
    '[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n'
    '[[sources]]\nname = "news"\ntype = "files"\npath = "news"\n'
)


@pytest.fixture
def public(project: Path, write_config: Callable[[str], Path], kzfeed: Kz) -> Path:
    """``kzfeed run`` on the seeds and on a story reported by three outlets."""
    shutil.copytree(STORIES, project / "news", ignore=shutil.ignore_patterns("labelled"))
    write_config(SOURCES)
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    return project / "public"


def page(path: Path) -> html.HtmlElement:
    return html.fromstring(path.read_bytes())


def text(element: html.HtmlElement, xpath: str) -> str:
    return " ".join(" ".join(e.text_content().split()) for e in element.xpath(xpath))


def test_the_front_page_shows_each_story_with_date_outlets_languages_and_main_topics(public: Path) -> None:
    index = page(public / "index.html")
    assert not index.xpath("//script") and not index.xpath("//@*[starts-with(name(), 'on')]")
    stories = index.xpath('//ol[@id="stories"]/li')
    assert len(stories) == 8
    for story in stories:
        assert story.xpath(".//h3/a/@href") and story.xpath(".//time/@datetime")
        assert text(story, './/p[@class="summary"]')
        assert 1 <= len(story.xpath('.//ul[@class="topics"]/li')) <= 3
        assert "seeds" not in text(story, './/p[@class="meta"]')  # a source's name is no outlet
    roadmap = next(s for s in stories if "roadmap" in s.text_content())
    meta = text(roadmap, './/p[@class="meta"]')
    assert "Astana Times, Kazinform, EU Reporter" in meta and "English" in meta
    assert "first seen" in meta  # the reports give no publication date ...
    entry = next(
        e
        for e in etree.parse(str(public / "feed.atom")).iter(f"{A}entry")
        if "roadmap" in e.findtext(f"{A}title")
    )
    assert entry.find(f"{A}published") is None  # ... and the feed has none either
    dated = next(s for s in stories if "prêts à développer" in s.text_content())
    assert text(dated, ".//time") == "7 May 2025"  # a publication date is shown as it is
    assert "Critical raw materials" in text(roadmap, './/ul[@class="topics"]')


def test_a_story_page_lists_every_report_with_outlet_and_language(public: Path) -> None:
    index = page(public / "index.html")
    roadmap = next(s for s in index.xpath('//ol[@id="stories"]/li') if "roadmap" in s.text_content())
    link = roadmap.xpath('.//a[@class="reports"]')[0]
    assert text(link, ".") == "3 reports"
    story = page(public / link.get("href"))
    reports = story.xpath('//ol[@id="reports"]/li')
    assert len(reports) == 3
    outlets = [text(r, './/span[@class="outlet"]') for r in reports]
    assert sorted(outlets) == ["Astana Times", "EU Reporter", "Kazinform"]
    assert all(text(r, './/span[@class="lang"]') == "English" for r in reports)
    for href in story.xpath('//ol[@id="reports"]//h2/a/@href'):  # each report's own page
        assert (public / "stories" / href).resolve().is_file()


def test_topic_filters_are_links_to_topic_pages_and_the_feeds_are_one_line_each(public: Path) -> None:
    index = page(public / "index.html")
    filters = index.xpath('//nav[@class="filters"]//a')
    assert filters[0].text == "All topics" and filters[0].get("aria-current") == "page"
    for link in filters[1:]:
        topic = page(public / link.get("href"))
        assert text(topic, "//h1") == link.text
        stories = topic.xpath('//ol[@id="stories"]/li')
        assert 0 < len(stories) <= 8
    rows = index.xpath('//section[@id="feeds"]//tr')
    assert len(rows) == 10  # everything, and one per topic
    for row in rows:
        assert [a.text for a in row.xpath(".//a")] == ["Atom", "RSS", "JSON"]
        for href in row.xpath(".//a/@href"):
            assert (public / href).is_file()


def test_an_item_without_a_url_has_a_page_of_its_own(public: Path) -> None:
    index = page(public / "index.html")
    href = next(h for h in index.xpath('//ol[@id="stories"]//h3/a/@href') if h.startswith("items/"))
    item = page(public / href)
    assert text(item, "//h1") and item.xpath('//div[@class="content"]//p')
    assert not item.xpath("//script")
    links = item.xpath('//ul[@class="topics"]//a/@href') + item.xpath(
        '//a[text()="all reports of this story"]/@href'
    )
    assert len(links) >= 2
    for href in links:
        assert (public / "items" / href).resolve().is_file()


HOSTILE = """
text = ('Kazakhstan and the European Union agreed a roadmap on critical raw materials, lithium and '
        'rare earths in Astana; the EU Commissioner and the Kazakh minister signed it.')
yield RawItem(guid='h1', title='<script>alert("title")</script><b>Kazakhstan</b> & the EU',
              text=text, outlet='<img src=x onerror=alert(2)>',
              summary='</p><script>alert(3)</script>lithium',
              html='<p>' + text + '</p><script>alert(4)</script><img src=x onerror=alert(5)>'
                   '<a href="javascript:alert(6)">click</a><a href="https://ok.example/">fine</a>')
"""


def test_hostile_text_from_a_source_is_escaped_and_its_html_sanitised(
    project: Path, write_config: Callable[[str], Path], kzfeed: Kz
) -> None:
    plugin_source(project, "hostile", HOSTILE)
    write_config('[[sources]]\nname = "hostile"\ntype = "hostile"\n')
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    public = project / "public"
    pages = [public / "index.html", *public.glob("stories/*.html"), *public.glob("items/*.html")]
    assert len(pages) == 3  # no URL of its own: it gets a page
    for path in pages:
        raw = path.read_text(encoding="utf-8")
        # parsed as a browser parses it (html5lib follows the HTML standard)
        tree = html5lib.parse(raw, treebuilder="lxml", namespaceHTMLElements=False)
        assert not tree.xpath("//script"), path
        assert not tree.xpath("//@*[starts-with(name(), 'on')]"), path
        hrefs = tree.xpath("//@href | //@src")
        assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:"))], path
        assert '<script>alert("title")</script><b>Kazakhstan</b> & the EU' in "".join(
            tree.xpath("//h1//text() | //h3//text()")
        ), path
        assert "onerror" not in "".join(tree.xpath("//img/@*")), path
    item = next(public.glob("items/*.html")).read_text(encoding="utf-8")
    assert 'href="https://ok.example/"' in item and "fine" in item


def test_empty_pages_and_feeds_say_why(
    project: Path, write_config: Callable[[str], Path], kzfeed: Kz
) -> None:
    write_config('[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n')
    public = project / "public"
    assert kzfeed("render").exit_code == 0  # before any run
    assert "kzfeed has not read any source" in text(page(public / "index.html"), '//p[@id="empty"]')
    assert "kzfeed has not read any source" in text(page(public / "topics/energy.html"), '//p[@id="empty"]')
    subtitle = etree.parse(str(public / "feed.atom")).findtext(f"{A}subtitle")
    assert subtitle.endswith("(no story yet: no source has been read)")
    assert kzfeed("run").exit_code == 0
    index = page(public / "index.html")
    assert not index.xpath('//p[@id="empty"]') and index.xpath('//ol[@id="stories"]/li')
    # the seeds say nothing about security: its page and feeds say so, and no filter leads there
    assert "No story on Security yet" in text(page(public / "topics/security.html"), '//p[@id="empty"]')
    security = etree.parse(str(public / "topics/security.atom"))
    assert security.findtext(f"{A}subtitle").endswith("(no story on Security yet)")
    assert not security.findall(f"{A}entry")
    assert "topics/security.html" not in index.xpath('//nav[@class="filters"]//a/@href')
    assert "no story" not in etree.parse(str(public / "feed.atom")).findtext(f"{A}subtitle")


def test_an_empty_feed_after_a_run_says_nothing_is_on_the_beat(
    project: Path, write_config: Callable[[str], Path], kzfeed: Kz
) -> None:
    (project / "other").mkdir()
    (project / "other" / "weather.txt").write_text("Rain in Lisbon\n\nIt rained all day in Lisbon.\n")
    write_config('[[sources]]\nname = "other"\ntype = "files"\npath = "other"\n')
    assert kzfeed("run").exit_code == 0
    public = project / "public"
    assert "No story on the beat yet" in text(page(public / "index.html"), '//p[@id="empty"]')
    assert (
        etree.parse(str(public / "feed.rss"))
        .findtext("channel/description")
        .endswith("(no story on the beat yet)")
    )


def test_every_page_is_html_a_browser_parses_without_error(public: Path) -> None:
    pages = sorted(public.rglob("*.html"))
    assert len(pages) >= 1 + 9 + 8  # the front page, a page per topic, a page per story
    for path in pages:
        parser = html5lib.HTMLParser(strict=False)
        parser.parse(path.read_bytes())
        assert parser.errors == [], (path, parser.errors[:3])


def test_older_stories_are_on_archive_pages_linked_from_the_front_page(
    project: Path, write_config: Callable[[str], Path], kzfeed: Kz
) -> None:
    shutil.copytree(STORIES, project / "news", ignore=shutil.ignore_patterns("labelled"))
    write_config("feed_size = 3\n" + SOURCES)
    assert kzfeed("run").exit_code == 0
    public = project / "public"
    seen: list[str] = []
    path = public / "index.html"
    while True:
        current = page(path)
        seen += [text(li, ".//h3") for li in current.xpath('//ol[@id="stories"]/li')]
        older = current.xpath('//nav[@class="paging"]/a[starts-with(text(), "Older")]/@href')
        if not older:
            break
        path = public / older[0]
        assert current.xpath("//h1") and page(path).xpath('//nav[@class="paging"]/a[@href="index.html"]')
    # every story, walking back from the front page (the front page may repeat the newest
    # archived stories, as the feed does: a full archive page never changes)
    assert len(set(seen)) == 8 and len(seen) <= 8 + 3
