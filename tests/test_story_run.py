"""A run reads each stored report once, not once per source (issue 13): the stories it makes
source after source are the ones made by reading every stored report of the window again for
each source, as runs did before."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kzfeed.classify import KeywordClassifier
from kzfeed.models import Item, SourceState, StoryKey
from kzfeed.pipeline._stories import remember_reports, story_index
from kzfeed.storage import Store, open_store
from kzfeed.stories import (
    Signals,
    StoryIndex,
    assign_stories,
    load_story_labels,
    report_windows,
    story_lookup,
)
from kzfeed.stories._signals import signals

LABELLED = Path(__file__).parent / "data" / "stories" / "labelled"
NOW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sources() -> list[list[Item]]:
    """Every labelled report (five languages, 30 events, copies and rewrites), classified, one
    source per outlet."""
    classifier = KeywordClassifier()
    by_outlet: dict[str, list[Item]] = {}
    for split in ("dev", "test", "fresh"):
        for report in load_story_labels(LABELLED / f"{split}.jsonl"):
            item = report.item()
            item = report.item(classifier.classify(item.document(lang=item.lang)))
            by_outlet.setdefault(report.outlet or report.id, []).append(item)
    return [by_outlet[outlet] for outlet in sorted(by_outlet)]


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    a, b = open_store(f"sqlite:///{tmp_path / 'a.db'}"), open_store(f"sqlite:///{tmp_path / 'b.db'}")
    yield a, b
    a.close()
    b.close()


def _reread_index(store: Store, batch: list[Item]) -> StoryIndex:
    """How a run built a source's index before: every stored report of the windows read again."""
    look = story_lookup(batch, NOW)
    index = StoryIndex(
        store.story_keys(ids=look.ids, hashes=look.hashes, urls=look.urls, guids=look.guids, spans=look.spans)
    )
    if windows := report_windows(batch):
        index.add_reports(store.story_reports(windows))
    return index


def _commit(
    store: Store,
    name: str,
    batch: list[Item],
    index: StoryIndex,
    memo: dict[tuple[str, str], Signals] | None = None,
) -> None:
    """Store a source's batch as a run does (with the run's ``memo``, its new reports' signals
    are kept for the next sources)."""
    assigned = assign_stories(batch, index)
    counts = store.save_source(
        state=SourceState(name=name, type="files"),
        config_hash="x",
        batch=assigned,
        merges=index.merges(),
        ok=True,
        now=NOW,
    )
    if memo is not None:
        remember_reports(memo, index, assigned, counts.new_ids)


def _stories(store: Store) -> dict[str, str]:
    return {item.id: item.story_id or item.id for item in store.items(relevant=None)}


def test_stories_made_source_by_source_are_those_of_reading_every_report_again(
    sources: list[list[Item]], stores: tuple[Store, Store]
) -> None:
    run, reread = stores
    memo: dict[tuple[str, str], Signals] = {}
    for n, batch in enumerate(sources):
        _commit(run, f"s{n}", batch, story_index(run, batch, NOW, memo), memo)
        _commit(reread, f"s{n}", batch, _reread_index(reread, batch))
    made = _stories(run)
    assert made == _stories(reread)
    # the fixture exercises what it should: reports of one event from several sources grouped
    assert len(set(made.values())) < len(made) - 40
    assert len({item.source for item in run.items(relevant=None) if item.story_id}) > 10


def test_a_run_reads_a_report_stored_before_it_once_and_its_own_never(
    sources: list[list[Item]], stores: tuple[Store, Store]
) -> None:
    run, _ = stores
    earlier, later = sources[::2], sources[1::2]
    memo: dict[tuple[str, str], Signals] = {}
    for n, batch in enumerate(earlier):  # an earlier run
        _commit(run, f"a{n}", batch, story_index(run, batch, NOW, memo), memo)
    read: list[str] = []
    items_by_id = run.items_by_id

    def counting(ids: Collection[str]) -> dict[str, Item]:
        found = items_by_id(ids)
        read.extend(found)
        return found

    run.items_by_id = counting  # type: ignore[method-assign]
    memo = {}
    for n, batch in enumerate(later):
        _commit(run, f"b{n}", batch, story_index(run, batch, NOW, memo), memo)
    assert read, "the later sources' windows hold reports stored by the earlier run"
    assert len(read) == len(set(read))
    assert not set(read) & {item.id for batch in later for item in batch}


def test_the_signals_a_run_keeps_are_those_of_the_stored_reports(
    sources: list[list[Item]], stores: tuple[Store, Store]
) -> None:
    run, _ = stores
    memo: dict[tuple[str, str], Signals] = {}
    for n, batch in enumerate(sources):
        _commit(run, f"s{n}", batch, story_index(run, batch, NOW, memo), memo)
    stored = run.items_by_id([item.id for batch in sources for item in batch])
    assert len(memo) == len(stored) > 100
    for item in stored.values():
        kept = memo[(item.id, item.content_hash)]
        assert (list(kept.features.items()), kept) == (list(signals(item).features.items()), signals(item))


def test_a_report_gone_since_its_key_was_read_is_left_out() -> None:
    key = StoryKey(
        item_id="gone", story_id=None, guid="g", canonical_url=None, content_hash="h", simhash=None
    )
    index = StoryIndex([key])
    index.add_stored_reports([key], lambda ids: [], {})
    assert len(index.events) == 0
