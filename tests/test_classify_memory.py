"""The keywords classifier's word caches are bounded: ``kzfeed reclassify`` of a long history
(new numbers and names in every item) classifies in flat memory, and what it decides does not
depend on what the caches hold."""

from __future__ import annotations

import gc
import json
import tracemalloc
from dataclasses import asdict
from pathlib import Path

import pytest

import kzfeed.classify._classifier as classifier_module
from kzfeed.classify import KeywordClassifier
from kzfeed.models import Document

LABELLED = Path(__file__).parent / "data" / "classifier"


def _history(start: int, stop: int) -> list[Document]:
    """Reports as a long history has them: each with its own number and name, in its title and
    again in its text."""
    return [
        Document(
            title=f"Kazakhstan and the EU sign deal {n} in Astana-{n * 7919 % 100_003}",
            text=f"The EU and Kazakhstan signed agreement No. {n} on lithium in Astana-{n * 7919 % 100_003}.",
            lang="en",
        )
        for n in range(start, stop)
    ]


@pytest.mark.slow
def test_classifying_a_long_history_keeps_memory_flat() -> None:
    classifier = KeywordClassifier()
    for document in _history(0, 5_000):
        classifier.classify(document)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for document in _history(5_000, 13_000):  # 8,000 more, each with words never seen before
            classifier.classify(document)
        gc.collect()
        grown = sum(stat.size_diff for stat in tracemalloc.take_snapshot().compare_to(before, "filename"))
    finally:
        tracemalloc.stop()
    # (what waits to be seen again comes and goes: a few thousand keys; unbounded: +7.5 MB)
    assert grown < 4_000_000, f"memory grew by {grown / 1e6:.1f} MB over 8,000 reports"


def _labelled() -> list[Document]:
    found = []
    for name in ("dev", "test"):
        for line in (LABELLED / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            found.append(Document(title=record["title"], text=record["text"], lang=record["lang"]))
    return found


def test_what_the_classifier_decides_does_not_depend_on_its_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    documents = _labelled() * 2
    usual = KeywordClassifier()
    expected = [asdict(usual.classify(d)) for d in documents]
    # caches so small that words keep going and coming back, through every path of the cache
    monkeypatch.setattr(classifier_module, "_CACHE_LIMIT", 64)
    monkeypatch.setattr(classifier_module, "_ONCE_LIMIT", 16)
    small = KeywordClassifier()
    assert [asdict(small.classify(d)) for d in documents] == expected
