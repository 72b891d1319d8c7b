"""The plugin authors' test kit: fixtures, run_source, the frozen clock and the contract's findings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest

from kzfeed import RawItem, SourceContext, hookimpl
from kzfeed.config._load import load_config
from kzfeed.pipeline._run import Pipeline
from kzfeed.testing import check_source_contract, item_problems, source_types_of
from kzfeed.testing._httpserver import LocalHTTPServer
from kzfeed.testing.pytest_plugin import FrozenClock


class PageTitles:
    """A tiny source for the kit's tests: one item per <h2> of a page."""

    type_name: ClassVar[str] = "page-titles"
    options: ClassVar[dict[str, str]] = {"url": "the page"}
    example_config: ClassVar[dict[str, Any]] = {"url": "https://news.example.kz/latest"}
    example_fixtures: ClassVar[dict[str, str]] = {"/latest": "listing.html"}

    def __init__(self, name: str, options: dict[str, Any]) -> None:
        self.name, self.url = name, options["url"]

    def fetch(self, ctx: SourceContext) -> Iterator[RawItem]:
        from kzfeed.articles._listing import link_at, parse_listing, text_at

        assert ctx.http is not None
        got = ctx.http.get(self.url, source=self.name)
        page = parse_listing(got.text, base_url=got.url)
        for li in page.xpath("//li"):
            url = link_at(li, ".//a/@href")
            assert url is not None
            yield RawItem(guid=url, url=url, title=text_at(li, ".//a"), text=text_at(li, ".//p"))


class Plugin:
    @hookimpl
    def register_sources(self, register: Any) -> None:
        register("page-titles", PageTitles)


@pytest.fixture
def kzfeed_plugins() -> list[object]:
    return [Plugin()]


@pytest.fixture
def kzfeed_fixtures_dir() -> Path:
    return Path(__file__).parent / "fixtures"


def test_run_source_builds_a_registered_type_and_returns_its_items(
    run_source: Any, kzfeed_http: LocalHTTPServer
) -> None:
    items = run_source("page-titles", {"url": kzfeed_http.url("/listing.html")})
    assert [(i.title, i.url) for i in items] == [
        ("Kazakhstan and the EU", kzfeed_http.url("/2025/kz-eu-lithium")),
        ("Astana and Berlin", kzfeed_http.url("/2025/kz-de-hydrogen")),
    ]


def test_run_source_answers_every_host_from_the_local_server(
    run_source: Any, kzfeed_http: LocalHTTPServer
) -> None:
    items = run_source("page-titles", {"url": "https://news.example.kz/listing.html"})
    assert items[0].url == "https://news.example.kz/2025/kz-eu-lithium"
    assert [r.path for r in kzfeed_http.requests] == ["/listing.html"]


def test_run_source_names_the_registered_types_when_one_is_unknown(run_source: Any) -> None:
    with pytest.raises(
        LookupError, match=r"no source type 'nope' \(registered: files, html, page-titles, rss\)"
    ):
        run_source("nope")


def test_the_host_has_builtins_and_the_plugins_under_test_only(kzfeed_host: Any) -> None:
    assert sorted(kzfeed_host.source_types()) == ["files", "html", "page-titles", "rss"]
    assert all(p.origin in ("builtin", "test") for p in kzfeed_host.loaded)


def test_source_types_of_lists_only_what_the_plugin_registers() -> None:
    assert source_types_of(Plugin()) == {"page-titles": PageTitles}


def test_frozen_clock_dates_what_a_run_stores(
    frozen_clock: FrozenClock, kzfeed_db: Any, project: Any
) -> None:
    config = load_config(None)
    report = Pipeline(config=config, host=_host(), store=kzfeed_db).ingest()
    assert report.started == datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
    assert {i.first_seen for i in kzfeed_db.items(relevant=None)} == {datetime(2025, 3, 14, 9, 0, tzinfo=UTC)}
    assert frozen_clock.advance(hours=1) == datetime(2025, 3, 14, 10, 0, tzinfo=UTC)
    assert Pipeline(config=config, host=_host(), store=kzfeed_db).ingest().started.hour == 10


def _host() -> Any:
    from kzfeed.plugins import make_plugin_host

    return make_plugin_host(entry_points=False)


def test_frozen_clock_refuses_a_naive_time(frozen_clock: FrozenClock) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        frozen_clock.set(datetime(2025, 1, 1))


def test_contract_passes_a_good_source() -> None:
    items = check_source_contract(PageTitles)
    assert [i.url for i in items] == [
        "https://news.example.kz/2025/kz-eu-lithium",
        "https://news.example.kz/2025/kz-de-hydrogen",
    ]


def test_contract_lists_what_a_bad_item_breaks() -> None:
    items = [
        RawItem(guid="1", title="A", text="x", url="/relative", published=datetime(2025, 1, 1)),
        RawItem(guid="1", title="", text="y", url="https://e.kz/b"),
    ]
    problems = item_problems(items)
    assert (
        "item 1 (guid '1'): url '/relative' is not an absolute http(s) URL; join it to the page URL"
        in problems
    )
    assert any("published" in p and "has no timezone" in p for p in problems)
    assert "item 2 (guid '1'): title is empty; every item needs a title" in problems
    assert "guid '1' is yielded 2 times; yield each article once" in problems


class Counting(PageTitles):
    """Guids made from a counter: a second run gives others."""

    runs = 0

    def fetch(self, ctx: SourceContext) -> Iterator[RawItem]:
        Counting.runs += 1
        for n, item in enumerate(super().fetch(ctx)):
            yield RawItem(guid=f"{Counting.runs}-{n}", url=item.url, title=item.title, text=item.text)


class Unserved(PageTitles):
    example_fixtures: ClassVar[dict[str, str]] = {}


def test_contract_catches_guids_that_change_between_runs() -> None:
    with pytest.raises(AssertionError, match="a second run gave other guids"):
        check_source_contract(Counting)


def test_contract_says_which_page_has_no_fixture() -> None:
    with pytest.raises(AssertionError, match="its example fetched /latest, which has no fixture"):
        check_source_contract(Unserved)
