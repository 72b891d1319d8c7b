"""What a run holds while it renders: the feeds are written after the run's items are stored,
and the memory that classified them is free for rendering by then (the render is where a first
update's peak is reached: docs/benchmarks.md, lean lane session 6)."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import kzfeed.ops._render as ops_render
from conftest import CliResult

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
