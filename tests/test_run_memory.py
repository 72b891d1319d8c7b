"""What a run holds while it renders: the feeds are written after the run's items are stored,
and the memory that classified them is free for rendering by then (the render is where a first
update's peak is reached: docs/benchmarks.md, lean lane session 6)."""

from __future__ import annotations

import gc
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import kzfeed.ops._render as ops_render
import kzfeed.pipeline._collect as collect
from conftest import CliResult
from kzfeed.models import SourceState
from kzfeed.pipeline import _commit
from kzfeed.testing import LocalHTTPServer

Kz = Callable[..., CliResult]


@pytest.fixture
def no_automatic_collection() -> Iterator[None]:
    """Python's collector only when called (it would free cycles at a moment of its own)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _classifier_objects() -> Counter[str]:
    """The classifier's objects alive now (its term index, matchers, word caches...), by class."""
    return Counter(
        type(o).__qualname__
        for o in gc.get_objects()
        if str(type(o).__module__).startswith("kzfeed.classify.")
    )


def test_the_feeds_are_rendered_after_the_runs_classifier_is_freed(
    kzfeed: Kz, project: Path, monkeypatch: pytest.MonkeyPatch, no_automatic_collection: None
) -> None:
    before = _classifier_objects()  # other tests' classifiers, still referenced
    seen: list[Counter[str]] = []
    render = ops_render.render_feeds

    def counting(*args: object, **kwargs: object) -> list[Path]:
        seen.append(_classifier_objects())
        return render(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ops_render, "render_feeds", counting)
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    assert (project / "public" / "index.html").is_file()  # the seeds were classified and rendered
    assert len(seen) == 1
    # before: the run's whole classifier (4,283 patterns, 2,804 terms, five languages'
    # matchers and word caches) was still there, cycles left for Python's collector to find
    # some time later
    added = seen[0] - before
    assert added.total() < 50, added


_FEED = (
    "<?xml version='1.0'?><rss version='2.0'><channel><title>Outlet {n}</title>"
    "<link>http://outlet{n}.test/</link><description>news</description><item>"
    "<title>EU and Kazakhstan sign a raw materials deal {n}</title><link>http://outlet{n}.test/a</link>"
    "<guid>f{n}</guid><pubDate>Mon, 02 Jun 2025 04:30:00 GMT</pubDate><description>The European "
    "Union and Kazakhstan signed a memorandum on critical raw materials in Astana.</description>"
    "</item></channel></rss>"
)


def _many_feeds(server: LocalHTTPServer, project: Path, feeds: int) -> None:
    """``feeds`` RSS sources on ``server``, each answering 304 once it was fetched."""
    lines = [
        f'database = "sqlite:///{project / "db.sqlite"}"\noutput_dir = "public"',
        '[fetch]\nexempt_loopback = true\nallow_private = ["127.0.0.1"]\nworkers = 2',
    ]
    for n in range(feeds):
        server.route(f"/f{n}.xml", body=_FEED.format(n=n).encode(), content_type="application/rss+xml",
                     headers={"ETag": f'"v{n}"'}, conditional=True)  # fmt: skip
        lines.append(f'[[sources]]\nname = "feed{n}"\ntype = "rss"\nurl = "{server.url(f"/f{n}.xml")}"')
        lines.append("full_content = false")
    (project / "kzfeed.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_an_unchanged_run_holds_the_states_and_loggers_of_the_sources_in_hand_only(
    kzfeed: Kz, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run read every source's stored state at its start and kept them all to its end, and
    ``logging`` kept a logger of each source for the life of the process (1,000 sources: ~1.3
    MiB of the unchanged run's peak, docs/benchmarks.md, lean8 lane). Now the states are read a
    chunk at a time, and a source's logger goes with its fetch; its records are the same."""
    feeds = 120
    monkeypatch.setattr(collect, "STATES_AT_ONCE", 10)
    registry = set(logging.Logger.manager.loggerDict)
    with LocalHTTPServer() as server:
        _many_feeds(server, project, feeds)
        assert kzfeed("run", "--all").exit_code == 0
        held: list[int] = []
        commit = _commit.Committer.commit

        def counting(self: _commit.Committer, got: collect.Collected) -> object:
            held.append(sum(1 for o in gc.get_objects() if type(o) is SourceState))
            if got.sc.name == "feed7":  # a source's logger says what its context was told
                got.log.warning("a word from %s", got.sc.name)
            return commit(self, got)

        monkeypatch.setattr(_commit.Committer, "commit", counting)
        records: list[logging.LogRecord] = []
        handler = logging.Handler()
        handler.emit = records.append  # type: ignore[method-assign]
        logging.getLogger("kzfeed.source").addHandler(handler)
        try:
            result = kzfeed("run", "--all")
        finally:
            logging.getLogger("kzfeed.source").removeHandler(handler)
        assert result.exit_code == 0, result.stderr
        assert len(server.requests_to("/f0.xml")) == 2
    assert len(held) == feeds
    # in hand: the sources claimed (4 a fetch thread), the quiet ones not yet written (at most
    # 50), a chunk being read; before, all 120 from the start
    assert max(held) < 80, held
    assert {n for n in logging.Logger.manager.loggerDict if n.startswith("kzfeed.source.")} <= registry
    assert [(r.name, r.levelname, r.getMessage()) for r in records] == [
        ("kzfeed.source.feed7", "WARNING", "a word from feed7")
    ]
    assert "kzfeed: warning: a word from feed7" in result.stderr
