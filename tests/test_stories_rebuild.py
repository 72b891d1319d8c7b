"""``kzfeed stories --rebuild`` reads the story index around each batch from the database (flat
memory) and gives the stories that clustering every item at once in memory gives."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from factories import make_item
from kzfeed.classify import KeywordClassifier
from kzfeed.models import Item, SourceState, StoryKey
from kzfeed.pipeline import rebuild_stories
from kzfeed.storage import Store, open_store
from kzfeed.stories import Signals, StoryIndex, load_story_labels, recluster

DATA = Path(__file__).parent / "data" / "stories" / "labelled"


def _labelled_items() -> list[Item]:
    """The labelled reports in every language (dev, test and fresh sets), classified (their
    entities are what reports in different languages are matched by); every seventh without a
    date, as some feeds give none."""
    classifier = KeywordClassifier.from_options({})
    found = []
    for name in ("dev", "test", "fresh"):
        for report in load_story_labels(DATA / f"{name}.jsonl"):
            item = report.item()
            item = replace(item, classification=classifier.classify(item.document()))
            found.append(item)
    found.sort(key=lambda i: (i.published, i.id))
    return [replace(i, published=None) if n % 7 == 3 else i for n, i in enumerate(found)]


def _store_in_runs(store: Store, found: list[Item], per_run: int) -> None:
    """Store ``found`` as runs of ``per_run`` items would: each run's items first seen together
    (a day after the newest of them was published), stories assigned by the runs themselves."""
    for start in range(0, len(found), per_run):
        batch = found[start : start + per_run]
        dates = [i.published for i in batch if i.published is not None]
        now = max(dates) + timedelta(days=1) if dates else None
        assert now is not None
        batch = [replace(i, first_seen=now) for i in batch]
        state = SourceState(name="labelled")
        store.save_source(state=state, config_hash="x", batch=batch, ok=True, now=now)


@pytest.mark.parametrize(("per_run", "batch_size"), [(120, 7), (9, 5), (25, 500)])
def test_a_rebuild_a_batch_at_a_time_gives_the_stories_of_clustering_all_at_once(
    tmp_path: Path, per_run: int, batch_size: int
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'kzfeed.db'}")
    found = _labelled_items()
    _store_in_runs(store, found, per_run)
    stored = store.items(relevant=None)
    assert len(stored) == len(found) > 100
    expected = {i.id: i.story_id for i in recluster(stored)}  # every item in one index (before)
    batches: list[int] = []
    rebuild_stories(store, batch_size=batch_size, on_batch=batches.append)
    got = {i.id: i.story_id for i in store.items(relevant=None)}
    assert sum(batches) == len(found) and max(batches) <= batch_size
    assert got == expected
    assert len(set(got.values())) < len(got) - 20  # reports were grouped, across languages too
    langs_together = {frozenset(i.lang for i in stored if got[i.id] == story) for story in set(got.values())}
    assert any(len(langs) > 1 for langs in langs_together)
    store.close()


def test_a_rebuild_holds_the_stories_around_a_batch_not_every_item(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two years of daily reports (750 days) (each day's report copied by a second outlet a day later):
    each batch's index holds the reports near its dates, and the copies still find their story."""
    import kzfeed.pipeline._stories as rebuild_module

    start = datetime(2024, 1, 1, tzinfo=UTC)
    store = open_store(f"sqlite:///{tmp_path / 'kzfeed.db'}")
    words = [a + b + c for a in "bdgklmnprstvz" for b in "aeiou" for c in ("", "n", "s")]
    for day in range(0, 750, 30):  # a run a month
        batch = []
        for n in range(day, day + 30):
            text = " ".join(random.Random(n).choices(words, k=80))
            batch.append(make_item(f"{n}.txt", text=text, published=start + timedelta(days=n)))
            copy = " ".join(text.split()[:-2])  # a lightly edited copy: same story by fingerprint
            batch.append(make_item(f"{n}-copy.txt", text=copy, published=start + timedelta(days=n, hours=20)))
        store.save_source(
            state=SourceState(name="daily"),
            config_hash="x",
            batch=batch,
            ok=True,
            now=start + timedelta(days=day + 31),
        )
    sizes: list[int] = []

    class Recorded(StoryIndex):
        def add(self, key: StoryKey, report: Signals | None = None) -> str:
            story = super().add(key, report)
            sizes.append(len(self._by_id))
            return story

    monkeypatch.setattr(rebuild_module, "StoryIndex", Recorded)
    rebuild_stories(store, batch_size=40)
    got = {i.guid: i.story_id for i in store.items(relevant=None)}
    assert len(got) == 1500
    assert all(got[f"{n}-copy.txt"] == got[f"{n}.txt"] for n in range(750))
    assert max(sizes) < 200  # the batch and what is near its dates, not the 1,500 items
    store.close()
