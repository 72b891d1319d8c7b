"""A run reads each stored report once, not once per source (issue 13): the stories it makes
source after source are the ones made by reading every stored report of the window again for
each source, as runs did before."""

from __future__ import annotations

import random
from collections.abc import Collection, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from factories import make_item
from kzfeed.classify import KeywordClassifier
from kzfeed.models import Item, SourceState, StoryKey
from kzfeed.pipeline._stories import RunStoryKeys, remember_reports, signals_rows, story_index
from kzfeed.storage import SaveCounts, Store, open_store
from kzfeed.stories import (
    SIGNALS_VERSION,
    Signals,
    StoredReports,
    StoryIndex,
    StoryLookup,
    ViewedStoryIndex,
    assign_stories,
    fingerprint,
    load_story_labels,
    report_windows,
    story_lookup,
)
from kzfeed.stories._dedupe import story_key
from kzfeed.stories._signals import signals
from kzfeed.stories._stored import microseconds

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
    store: Store, name: str, batch: list[Item], index: StoryIndex, *, keep_signals: bool = False
) -> tuple[list[Item], SaveCounts]:
    assigned = assign_stories(batch, index)
    counts = store.save_source(
        state=SourceState(name=name, type="files"),
        config_hash="x",
        batch=assigned,
        merges=index.merges(),
        ok=True,
        now=NOW,
        signals=signals_rows(index, assigned) if keep_signals else (),
    )
    return assigned, counts


class _Run:
    """Sources stored one after another as a run stores them: the stored keys it read kept for
    the next sources, and the signals of the reports it read or stored."""

    def __init__(self, store: Store, *, keep_signals: bool = True) -> None:
        self.keys = RunStoryKeys(store)
        self.memo: dict[tuple[str, str], Signals] = {}
        self.keep_signals = keep_signals  # as the pipeline does: the new items' signals stored

    def commit(self, name: str, batch: list[Item]) -> None:
        index = story_index(self.keys, batch, NOW, self.memo)
        assigned, counts = _commit(self.keys.store, name, batch, index, keep_signals=self.keep_signals)
        fresh = [item for item in assigned if item.id in counts.new_ids]
        self.keys.stored([item.id for item in batch], index.merges(), new=fresh, now=NOW)
        remember_reports(self.memo, index, assigned, counts.new_ids)


def test_the_keys_of_items_stored_new_are_made_as_the_store_reads_them_back(
    sources: list[list[Item]], stores: tuple[Store, Store]
) -> None:
    """A run keeps the keys of the items a source stored new without reading them back: the
    same keys (times in UTC) as those read, source after source; the others are read."""
    made, read = RunStoryKeys(stores[0]), RunStoryKeys(stores[1])
    memo: dict[tuple[str, str], Signals] = {}
    east = timezone(timedelta(hours=5))
    for n, batch in enumerate(sources[:30]):
        if n % 3 == 0:  # published in another zone; a report stored before, again
            batch = [replace(i, published=i.published.astimezone(east)) if i.published else i for i in batch]
            batch += sources[n - 1][:1] if n else []
        for keys, store in ((made, stores[0]), (read, stores[1])):
            index = story_index(keys, batch, NOW, memo)
            assigned, counts = _commit(store, f"s{n}", batch, index)
            fresh = [item for item in assigned if item.id in counts.new_ids] if keys is made else []
            keys.stored([item.id for item in batch], index.merges(), new=fresh, now=NOW)
        assert made.kept._keys == read.kept._keys
        assert [k.first_seen for k in made.kept._keys.values()] == [
            k.first_seen for k in read.kept._keys.values()
        ]
        assert all(k.published is None or k.published.tzinfo is UTC for k in made.kept._keys.values())


def test_a_run_that_began_on_a_database_without_items_reads_no_story_keys(
    sources: list[list[Item]], stores: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first update: every stored item is one of the run's sources', kept as stored, so no
    source reads the keys of its periods or exact keys; a run that begins with items reads them
    (and both make the stories of reading every report again, above)."""
    run, _ = stores
    lookups: list[dict[str, object]] = []
    read = Store.story_keys

    def counted(self: Store, **asked: Any) -> list[StoryKey]:
        lookups.append(asked)
        return read(self, **asked)

    monkeypatch.setattr(Store, "story_keys", counted)
    first = _Run(run)
    for n, batch in enumerate(sources[:12]):
        first.commit(f"s{n}", batch)
    assert not [asked for asked in lookups if asked.get("spans") or asked.get("hashes")]
    _Run(run).commit("s12", sources[12])
    assert [asked for asked in lookups if asked.get("spans") and asked.get("hashes")]


def test_a_copy_of_a_report_outside_its_periods_is_found_by_its_exact_keys_when_kept(tmp_path: Path) -> None:
    """On a database the run began without items, a copy of a report stored long before its
    date (its content hash, canonical URL and guid, not its period) is found among the keys
    kept, as a read would find it."""
    store = open_store(f"sqlite:///{tmp_path / 'kzfeed.db'}")
    keys = RunStoryKeys(store)
    old = make_item("https://example.org/a", published=NOW - timedelta(days=400), source="one")
    keys.look(story_lookup([old], NOW))  # the first source looks (the database has no items)
    assigned, counts = _commit(store, "one", [old], StoryIndex())
    keys.stored([old.id], {}, new=[i for i in assigned if i.id in counts.new_ids], now=NOW)
    for copy in (
        make_item("https://example.org/b", published=NOW, source="two"),  # the same text
        make_item("https://example.org/a", text="Another text.", published=NOW, source="three"),
    ):
        look = story_lookup([copy], NOW)
        found = keys.read(look)
        assert [k.item_id for k in found] == [old.id]
        assert found == store.story_keys(
            ids=look.ids, hashes=look.hashes, urls=look.urls, guids=look.guids, spans=look.spans
        )
    store.close()


def _stories(store: Store) -> dict[str, str]:
    return {item.id: item.story_id or item.id for item in store.items(relevant=None)}


def test_stories_made_source_by_source_are_those_of_reading_every_report_again(
    sources: list[list[Item]], stores: tuple[Store, Store]
) -> None:
    run, reread = stores
    for first in range(0, len(sources), 12):  # runs of 12 sources: each finds the earlier ones' reports
        one_run = _Run(run)
        for n, batch in enumerate(sources[first : first + 12], start=first):
            one_run.commit(f"s{n}", batch)
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
    earlier_run = _Run(run, keep_signals=False)  # as before the database kept them
    for n, batch in enumerate(earlier):
        earlier_run.commit(f"a{n}", batch)
    read = _counting_reads(run)
    later_run = _Run(run)
    for n, batch in enumerate(later):
        later_run.commit(f"b{n}", batch)
    assert read, "the later sources' windows hold reports stored by the earlier run"
    assert len(read) == len(set(read))
    assert not set(read) & {item.id for batch in later for item in batch}


def test_the_signals_a_run_keeps_are_those_of_the_stored_reports(
    sources: list[list[Item]], stores: tuple[Store, Store]
) -> None:
    run, _ = stores
    one_run = _Run(run)
    for n, batch in enumerate(sources):
        one_run.commit(f"s{n}", batch)
    stored = run.items_by_id([item.id for batch in sources for item in batch])
    assert len(one_run.memo) == len(stored) > 100
    for item in stored.values():
        kept = one_run.memo[(item.id, item.content_hash)]
        assert (list(kept.features.items()), kept) == (list(signals(item).features.items()), signals(item))


def test_a_report_gone_since_its_key_was_read_is_left_out() -> None:
    key = StoryKey(
        item_id="gone", story_id=None, guid="g", canonical_url=None, content_hash="h", simhash=None
    )
    index = StoryIndex([key])
    index.add_stored_reports([key], lambda ids: [], {})
    assert len(index.events) == 0


def test_the_keys_a_run_keeps_are_those_the_database_gives(tmp_path: Path) -> None:
    """Periods read in any order (a gap between two read, then one spanning both), stories
    merged and items stored between reads: what the run's kept keys say is what a fresh read
    of the database says."""
    store = open_store(f"sqlite:///{tmp_path / 'k.db'}")
    t0 = datetime(2024, 3, 1, 12, tzinfo=UTC)

    def save(name: str, items: list[Item], merges: dict[str, str] | None = None) -> list[str]:
        store.save_source(
            state=SourceState(name=name, type="files"),
            config_hash="x",
            batch=items,
            merges=merges,
            ok=True,
            now=NOW,
        )
        return [item.id for item in items]

    def day(n: int, name: str, story: str | None = None, **more: object) -> Item:
        item = make_item(f"{name}.txt", title=name.upper(), published=t0 + timedelta(days=n), **more)  # type: ignore[arg-type]
        return replace(item, story_id=story or item.id)

    earlier = [day(0, "a"), day(1, "b"), day(6, "c"), day(12, "d"), make_item("undated.txt", title="U")]
    save("earlier", earlier)
    a, b, c = (item.id for item in earlier[:3])
    keys = RunStoryKeys(store)
    periods = [
        [(t0 - timedelta(days=1), t0 + timedelta(days=2))],
        [(t0 + timedelta(days=10), t0 + timedelta(days=13))],
        [(t0 - timedelta(days=2), t0 + timedelta(days=14)), (NOW - timedelta(days=1), NOW)],
    ]
    steps = [
        lambda: keys.stored(save("s1", [day(1, "b2", story=a)], merges={b: a}), {b: a}),
        lambda: keys.stored(save("s2", [day(7, "e", story=c)]), {}),
        lambda: keys.stored(
            save("s3", [replace(earlier[2], story_id=a, title="C again")], merges={c: a}), {c: a}
        ),
    ]
    for spans, step in zip(periods, steps, strict=True):
        found = keys.read(StoryLookup(ids=(), hashes=(), urls=(), guids=(), spans=tuple(spans)))
        assert found == store.story_keys(spans=spans)
        step()
    wide = [(t0 - timedelta(days=30), t0 + timedelta(days=30))]
    assert keys.read(
        StoryLookup(ids=(), hashes=(), urls=(), guids=(), spans=tuple(wide))
    ) == store.story_keys(spans=wide)
    merged = keys.read(
        StoryLookup(ids=(), hashes=(), urls=(), guids=(), spans=((t0, t0 + timedelta(days=8)),))
    )
    assert {k.story_id for k in merged} == {a}
    # the reports of a window, as the store gives them (in its order, as stored now: merged)
    assert keys.reports_within(wide) == [k for k in store.story_keys(spans=wide) if k.published is not None]
    store.close()


def _counting_reads(store: Store) -> list[str]:
    """The ids of the items ``store.items_by_id`` reads in full from now on."""
    read: list[str] = []
    items_by_id = store.items_by_id

    def counting(ids: Collection[str]) -> dict[str, Item]:
        found = items_by_id(ids)
        read.extend(found)
        return found

    store.items_by_id = counting  # type: ignore[method-assign]
    return read


def test_a_later_run_reads_no_stored_report_in_full_and_makes_the_same_stories(
    sources: list[list[Item]], stores: tuple[Store, Store]
) -> None:
    """The database keeps each stored report's story signals: a run that brings news compares
    it with the reports around it without reading them in full or working their signals out
    again (issue 13), and the stories are those of reading every report again."""
    run, reread = stores
    earlier, later = sources[::2], sources[1::2]
    earlier_run = _Run(run)
    for n, batch in enumerate(earlier):
        earlier_run.commit(f"a{n}", batch)
        _commit(reread, f"a{n}", batch, _reread_index(reread, batch))
    read = _counting_reads(run)
    later_run = _Run(run)  # a new run: a new process, nothing in memory
    for n, batch in enumerate(later):
        later_run.commit(f"b{n}", batch)
        _commit(reread, f"b{n}", batch, _reread_index(reread, batch))
    assert read == []
    assert len(later_run.memo) > 50  # the later sources' windows did hold the earlier reports
    assert _stories(run) == _stories(reread)


def test_the_signals_kept_are_those_of_the_stored_reports_and_go_when_an_item_changes(
    sources: list[list[Item]], stores: tuple[Store, Store]
) -> None:
    run, _ = stores
    earlier = _Run(run, keep_signals=False)  # stored without: the next run works them out
    for n, batch in enumerate(sources[::2]):
        earlier.commit(f"a{n}", batch)
    later = _Run(run)
    for n, batch in enumerate(sources[1::2]):
        later.commit(f"b{n}", batch)
    stored = run.items_by_id([item.id for batch in sources for item in batch])
    kept = run.story_signals(list(stored), SIGNALS_VERSION)
    assert len(kept) > 100
    assert {i for i in kept if i in {item.id for batch in sources[::2] for item in batch}}  # written back
    for item_id, (content_hash, text) in kept.items():
        item = stored[item_id]
        found = Signals.from_json(text)
        assert content_hash == item.content_hash
        assert (list(found.features.items()), found) == (list(signals(item).features.items()), signals(item))
    assert run.story_signals(list(stored), "another version") == {}
    some = next(iter(kept))
    assert stored[some].classification is not None
    run.update_classifications([(some, stored[some].classification)])  # reclassified: its topics may differ
    assert some not in run.story_signals(list(stored), SIGNALS_VERSION)
    assert len(run.story_signals(list(stored), SIGNALS_VERSION)) == len(kept) - 1
    other = next(item_id for item_id in kept if item_id != some)
    corrected = replace(stored[other], title=stored[other].title + " (corrected)")
    state = SourceState(name=corrected.source, type="files")
    run.save_source(state=state, config_hash="x", batch=[corrected], ok=True, now=NOW)
    assert other not in run.story_signals(list(stored), SIGNALS_VERSION)  # the item changed


def test_each_source_views_the_runs_stored_reports_as_its_own_index_of_them_would_match(
    sources: list[list[Item]], stores: tuple[Store, Store]
) -> None:
    """A source's index views the stored keys and reports the run keeps (SQLite) instead of
    recording them again: every feature's rarity, every match (scores to the last bit) and
    every story are those of an index of the keys the source reads, made for it alone."""
    run, _ = stores
    viewed_reports = _compare_views(run, sources)
    assert viewed_reports > 150  # the sources' indexes held stored reports
    assert len(set(_stories(run).values())) < len(_stories(run)) - 40


def test_views_match_copies_near_copies_and_undated_items_as_own_indexes(tmp_path: Path) -> None:
    """The same with what the labelled reports lack: near copies (SimHash), items without a
    date (matched against every fingerprint read), shared URLs and guids, merges."""
    rng = random.Random(13)
    words = [f"w{n}" for n in range(400)]
    events = [[rng.choice(words) for _ in range(60)] for _ in range(12)]
    start = datetime(2025, 1, 5, tzinfo=UTC)
    sources = []
    for n in range(36):
        batch = []
        for k in range(4):
            e = rng.randrange(len(events))
            text = list(events[e])
            for _ in range(rng.randrange(4)):  # a near copy: a few words changed
                text[rng.randrange(len(text))] = rng.choice(words)
            when = None if rng.random() < 0.2 else start + timedelta(days=e, hours=rng.randrange(60))
            copy = rng.random() < 0.15  # the same URL and guid as another source's report
            batch.append(
                make_item(
                    f"urn:ev:{e}" if copy else f"s{n}-{k}.txt",
                    title=f"Event {e} report {n}-{k}",
                    text=" ".join(text),
                    source=f"s{n}",
                    published=when,
                    url=f"https://copies.example/{e}" if copy else f"https://s{n}.example/{k}",
                )
            )
        sources.append(list({item.id: item for item in batch}.values()))  # one item a link, as a run has
    store = open_store(f"sqlite:///{tmp_path / 'v.db'}")
    try:
        assert _compare_views(store, sources) > 40
        made = _stories(store)
        assert len(set(made.values())) < len(made) / 2
    finally:
        store.close()


def _compare_views(run: Store, sources: list[list[Item]]) -> int:
    """Store ``sources`` in runs of 12, comparing each source's viewed index with an index of
    the keys it reads; returns how many stored reports the views held."""
    viewed_reports = 0
    for first in range(0, len(sources), 12):
        keys, memo = RunStoryKeys(run), {}
        for n, batch in enumerate(sources[first : first + 12], start=first):
            viewed = story_index(keys, batch, NOW, memo)
            assert keys.reports is not None and isinstance(viewed, ViewedStoryIndex)
            viewed_reports += len(viewed.events)
            look = story_lookup(batch, NOW)
            found = keys.read(look)  # kept (the first run began without items) or read: as stored
            assert found == run.story_keys(
                ids=look.ids, hashes=look.hashes, urls=look.urls, guids=look.guids, spans=look.spans
            )
            own = StoryIndex(found)
            windows = report_windows(batch)
            reports = [k for k in found if k.published and any(s <= k.published <= u for s, u in windows)]
            own.add_stored_reports(reports, lambda ids: run.items_by_id(ids).values(), dict(memo))
            assert len(own.events) == len(viewed.events)
            for item in batch:
                key = story_key(replace(item, simhash=fingerprint(item.content_text)))
                assert viewed.find(key) == own.find(key)
                report = signals(item)
                for feature in report.features:
                    assert viewed.events.idf(feature) == own.events.idf(feature)
                assert viewed.events.find_all(report) == own.events.find_all(report)
            mine = assign_stories(batch, viewed)
            assert mine == assign_stories(batch, own)
            assert viewed.merges() == own.merges()
            counts = run.save_source(
                state=SourceState(name=f"s{n}", type="files"),
                config_hash="x",
                batch=mine,
                merges=viewed.merges(),
                ok=True,
                now=NOW,
                signals=signals_rows(viewed, mine),
            )
            keys.stored([item.id for item in batch], viewed.merges())
            remember_reports(memo, viewed, mine, counts.new_ids)
    return viewed_reports


def test_the_runs_stored_reports_count_a_report_once_as_it_is_now() -> None:
    """A report kept again under another content hash or date replaces the one kept (its stored
    key changed): rarity counts it once, at its date now."""
    reports = StoredReports()
    t0 = datetime(2025, 1, 10, tzinfo=UTC)
    window = [(microseconds(t0 - timedelta(days=3)), microseconds(t0 + timedelta(days=3)))]
    one = Signals(features={"entity:A": 3.0, "name:borat": 1.0}, lang="en", published=t0)
    reports.add("a", "h1", t0, one)
    reports.add(
        "b", "h2", t0 + timedelta(days=1), Signals(features={"entity:A": 3.0}, lang="en", published=t0)
    )
    reports.add("a", "h1", t0, one)  # the same: nothing changes
    assert (
        reports.count(window),
        reports.count(window, "entity:A"),
        reports.count(window, "name:borat"),
    ) == (2, 2, 1)
    reports.add(
        "a", "h3", t0 + timedelta(days=5), Signals(features={"entity:B": 3.0}, lang="en", published=t0)
    )
    assert (
        reports.count(window),
        reports.count(window, "entity:A"),
        reports.count(window, "name:borat"),
    ) == (1, 1, 0)
    assert reports.holders("entity:A") == ["b"] and reports.holders("entity:B") == ["a"]
    reports.changed("b", "h2", t0 + timedelta(days=1))  # the same key: kept
    reports.changed("b", "h4", t0 + timedelta(days=1))
    assert (len(reports), reports.count(window)) == (1, 0)


def test_the_reports_that_have_a_feature_within_windows_are_those_counted() -> None:
    """``holders_within`` lists the reports kept with a feature and published within windows
    (ends included), as ``count`` counts them, whatever was replaced or forgotten since; reports
    of the same date are told apart by id."""
    rng = random.Random(7)
    reports = StoredReports()
    t0 = datetime(2025, 1, 10, tzinfo=UTC)
    kept: dict[str, tuple[datetime, set[str]]] = {}
    for step in range(600):
        item_id = f"r{rng.randrange(60)}"
        if rng.random() < 0.2:
            reports.drop(item_id)
            kept.pop(item_id, None)
            continue
        when = t0 + timedelta(hours=rng.randrange(0, 240, 6))  # (many on the same date)
        features = set(rng.sample(["a", "b", "c", "d"], rng.randrange(1, 4)))
        reports.add(
            item_id,
            f"h{step}",
            when,
            Signals(features=dict.fromkeys(features, 1.0), lang="en", published=when),
        )
        kept[item_id] = (when, features)
        since = t0 + timedelta(hours=rng.randrange(0, 120, 6))
        windows = [(microseconds(since), microseconds(since + timedelta(days=2)))]
        for feature in "abcd":
            found = reports.holders_within(windows, feature)
            expected = {
                i for i, (w, f) in kept.items() if feature in f and since <= w <= since + timedelta(days=2)
            }
            assert sorted(found) == sorted(expected) and len(found) == reports.count(windows, feature)
            assert sorted(reports.holders(feature)) == sorted(i for i, (_, f) in kept.items() if feature in f)
