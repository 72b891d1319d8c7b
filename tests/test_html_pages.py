"""One ``html`` source's pages on every core: its pages are fetched several at a time (within
the per-host limits) and extracted as they arrive, stored in the order of its ``urls``; the
extraction processes load only what extraction needs."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

import kzfeed.lang
from conftest import CliResult
from kzfeed.articles import ArticleExtractor
from kzfeed.classify import KeywordClassifier
from kzfeed.config._load import load_config
from kzfeed.models import RawItem
from kzfeed.storage import open_store
from kzfeed.testing._httpserver import LocalHTTPServer

HTML = Path(__file__).parent / "data" / "html"
PLACES = ("Astana", "Almaty", "Shymkent", "Karaganda", "Aktobe", "Taraz", "Pavlodar", "Atyrau")


def _article(n: int, place: str) -> bytes:
    title = f"EU and Kazakhstan open a trade office in {place}"
    body = "".join(
        f"<p>{sentence}</p>"
        for sentence in (
            f"The European Union and Kazakhstan opened a joint trade office in {place} on Monday, "
            f"the {n + 1}th such office in the country, the delegation said in a statement.",
            f"Officials in {place} said the office would help small firms find partners in Europe "
            "and answer questions about customs rules, standards and certificates.",
            f"The office in {place} is staffed by four advisers and is open to any company that "
            "exports or wants to export to the single market, free of charge.",
        )
    )
    return (
        f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a> "
        f"<a href='/news'>News</a></nav><article><h1>{title}</h1>{body}</article>"
        "<footer>Contact us</footer></body></html>"
    ).encode()


def test_one_sources_pages_are_read_several_at_a_time_and_all_stored_once(
    kzfeed: Callable[..., CliResult], write_config: Callable[[str], Path]
) -> None:
    with LocalHTTPServer() as server:
        for n, place in enumerate(PLACES):
            # each page takes a while to answer: one page at a time would leave the cores idle
            server.route(
                f"/{place.lower()}.html", body=_article(n, place), content_type="text/html", delay=0.3
            )
        urls = [server.url(f"/{place.lower()}.html") for place in PLACES]
        urls.insert(3, server.url("/missing.html"))  # 404: a warning, the others still stored
        write_config(
            '[fetch]\nexempt_loopback = true\nallow_private = ["127.0.0.1"]\n'
            f'[[sources]]\nname = "offices"\ntype = "html"\nurls = {json.dumps(urls)}\n'
        )
        result = kzfeed("run")
        assert result.exit_code == 0, result.stderr
        assert "offices: 8 new" in result.stdout
        assert "missing.html skipped" in result.stderr
        # per_host_concurrency = 2 (the default) is kept, and used
        assert server.max_concurrent == 2
        store = open_store(load_config(None).database)
        try:
            first = {item.url: item.id for item in store.items(relevant=None, source="offices")}
            again = kzfeed("run", "--refetch")  # every page read again: the same items, none twice
            assert again.exit_code == 0, again.stderr
            assert "offices: 0 new, 0 updated, 8 unchanged" in again.stdout
            second = {item.url: item.id for item in store.items(relevant=None, source="offices")}
        finally:
            store.close()
    assert set(first) == {u for u in urls if "missing" not in u}
    assert second == first


def test_extraction_processes_leave_the_language_model_to_the_caller() -> None:
    page = (HTML / "python_ja.html").read_text(encoding="utf-8")  # no function words: the model decides
    with ArticleExtractor(2) as extract:
        threads = [
            threading.Thread(target=lambda n=n: extract(page, url=f"https://news.example/{n}"))
            for n in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        article = extract(page, url="https://news.example/ja")
        assert article.lang is not None  # detected here, where the model is
        assert kzfeed.lang._identifier.cache_info().currsize == 1
        # ask the workers what they imported (both of them: asked at once, several times)
        pool = extract._executor()
        ask = (
            "(__import__('os').getpid(), __import__('kzfeed.lang').lang._identifier.cache_info().currsize > 0,"
            " 'trafilatura' in __import__('sys').modules, __import__('time').sleep(0.05))"
        )
        answers = set()
        deadline = time.monotonic() + 30
        while len({pid for pid, *_ in answers}) < 2 and time.monotonic() < deadline:
            answers |= {f.result()[:3] for f in [pool.submit(eval, ask) for _ in range(4)]}
    assert len({pid for pid, *_ in answers}) == 2
    assert {(model, trafilatura) for _, model, trafilatura in answers} == {(False, True)}


class _Pages:
    """A fetcher of instant pages."""

    def get(self, url: str, **_: object) -> object:
        from kzfeed.http import FetchResult

        return FetchResult(url=url, status=200, headers={"content-type": "text/html"}, content=b"<p>page</p>")


class _SlowExtractor:
    """Three extraction processes, each page taking a while: how many are extracted at once."""

    processes = 3

    def __init__(self) -> None:
        self.lock, self.now, self.most = threading.Lock(), 0, 0

    def __call__(self, html: str, *, url: str | None = None) -> RawItem:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.05)
        with self.lock:
            self.now -= 1
        return RawItem(title=f"Page {url}", text="The European Union and Kazakhstan.")


def test_a_source_keeps_every_extraction_process_busy() -> None:
    # pages wait on the network and on the main process between fetch and extraction: a fixed
    # four at a time left most of the cores of a bigger machine idle
    from kzfeed.default_plugins.html import HtmlSource
    from kzfeed.models import SourceState
    from kzfeed.sources import SourceContext

    urls = [f"https://site.example/{n}.html" for n in range(40)]
    extractor = _SlowExtractor()
    ctx = SourceContext(
        source="site",
        state=SourceState(name="site"),
        log=logging.getLogger("test"),
        http=_Pages(),  # type: ignore[arg-type]
        extractor=extractor,
    )
    items = list(HtmlSource("site", {"urls": urls, "max_items": 40}).fetch(ctx))
    assert [i.url for i in items] == urls
    assert extractor.most >= 2 * extractor.processes


def test_a_sources_pages_have_their_validators_read_in_one_query(
    kzfeed: Callable[..., CliResult], write_config: Callable[[str], Path]
) -> None:
    asked: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and "FROM http_cache" in statement:
            asked.append(statement)

    with LocalHTTPServer() as server:
        for n, place in enumerate(PLACES):
            server.route(f"/{place.lower()}.html", body=_article(n, place), content_type="text/html")
        urls = [server.url(f"/{place.lower()}.html") for place in PLACES]
        write_config(
            '[fetch]\nexempt_loopback = true\nallow_private = ["127.0.0.1"]\n'
            f'[[sources]]\nname = "offices"\ntype = "html"\nurls = {json.dumps(urls)}\n'
        )
        event.listen(Engine, "before_cursor_execute", count)
        try:
            result = kzfeed("run")
        finally:
            event.remove(Engine, "before_cursor_execute", count)
    assert result.exit_code == 0, result.stderr
    assert "offices: 8 new" in result.stdout
    # the 8 pages at once (and the site's robots.txt on its own), not one query a page
    assert len(asked) <= 2, asked


class _ReadiedExtractor(_SlowExtractor):
    """Says when it was asked to ready its processes."""

    def __init__(self) -> None:
        super().__init__()
        self.prepared = 0

    def prepare(self) -> None:
        with self.lock:
            self.prepared += 1


class _SlowPages(_Pages):
    """Pages that take a while to arrive, noting whether the extractor was readied by then."""

    def __init__(self, extractor: _ReadiedExtractor) -> None:
        self.extractor, self.readied_by_then = extractor, []

    def get(self, url: str, **kwargs: object) -> object:
        self.readied_by_then.append(self.extractor.prepared > 0)
        time.sleep(0.05)
        return super().get(url, **kwargs)


def test_the_extraction_processes_are_readied_while_the_first_pages_are_fetched() -> None:
    # the processes' server takes ~0.4 s to import trafilatura: started by the first page that
    # arrived, every run waited that long after its first page was fetched
    from kzfeed.default_plugins.html import HtmlSource
    from kzfeed.models import SourceState
    from kzfeed.sources import SourceContext

    urls = [f"https://site.example/{n}.html" for n in range(6)]
    extractor = _ReadiedExtractor()
    http = _SlowPages(extractor)
    ctx = SourceContext(
        source="site",
        state=SourceState(name="site"),
        log=logging.getLogger("test"),
        http=http,  # type: ignore[arg-type]
        extractor=extractor,
        known={urls[0]: "stored"},
    )
    items = list(HtmlSource("site", {"urls": urls}).fetch(ctx))
    assert [i.url for i in items] == urls[1:]
    assert http.readied_by_then == [True] * 5
    assert extractor.prepared == 1
    # nothing new to fetch: nothing readied (a run of stored pages costs no process)
    again = _ReadiedExtractor()
    ctx = SourceContext(
        source="site",
        state=SourceState(name="site"),
        log=logging.getLogger("test"),
        http=_SlowPages(again),  # type: ignore[arg-type]
        extractor=again,
        known=dict.fromkeys(urls, "stored"),
    )
    assert list(HtmlSource("site", {"urls": urls}).fetch(ctx)) == []
    assert again.prepared == 0


def _offices_config(server: LocalHTTPServer, extra: str = "") -> str:
    for n, place in enumerate(PLACES[:3]):
        server.route(f"/{place.lower()}.html", body=_article(n, place), content_type="text/html")
    urls = [server.url(f"/{place.lower()}.html") for place in PLACES[:3]]
    return (
        f'{extra}[fetch]\nexempt_loopback = true\nallow_private = ["127.0.0.1"]\nextract_processes = 2\n'
        f'[[sources]]\nname = "offices"\ntype = "html"\nurls = {json.dumps(urls)}\n'
    )


def test_the_classifier_is_built_while_the_extraction_processes_ready_themselves(
    kzfeed: Callable[..., CliResult], write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the main process only waits for the first page then: the build no longer delays the
    # first items, which arrive while the other core is extracting
    built_on: list[str] = []
    from_options = KeywordClassifier.from_options.__func__  # type: ignore[attr-defined]

    def recorded(cls: type[KeywordClassifier], options: Any) -> KeywordClassifier:
        built_on.append(threading.current_thread().name)
        return from_options(cls, options)  # type: ignore[no-any-return]

    monkeypatch.setattr(KeywordClassifier, "from_options", classmethod(recorded))
    with LocalHTTPServer() as server:
        write_config(_offices_config(server))
        result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    assert "offices: 3 new" in result.stdout
    assert built_on == ["kzfeed-classifier"]  # once, on its own thread


def test_a_classifier_that_cannot_be_built_still_stops_the_run_with_its_message(
    kzfeed: Callable[..., CliResult], write_config: Callable[[str], Path]
) -> None:
    with LocalHTTPServer() as server:
        write_config(_offices_config(server, '[classifier]\nthreshold = "high"\n'))
        result = kzfeed("run")
    assert result.exit_code != 0
    assert "threshold" in result.stderr
