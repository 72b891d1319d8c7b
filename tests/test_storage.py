from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from factories import make_item
from kzfeed.errors import InputError
from kzfeed.models import Item, SourceState
from kzfeed.storage import Store, open_store

T0 = datetime(2025, 5, 7, 18, 41, tzinfo=UTC)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = open_store(database_url)
    yield s
    s.close()


def save(store: Store, items: list, name: str = "test") -> tuple[int, int, int]:
    counts = store.save_source(
        state=SourceState(name=name, type="files"), config_hash="x", batch=items, ok=True
    )
    return counts.new, counts.updated, counts.unchanged


def test_saving_the_same_items_twice_stores_nothing_new(store: Store) -> None:
    items = [make_item("a.txt", published=T0), make_item("b.txt", title="Another story")]
    assert save(store, items) == (2, 0, 0)
    assert save(store, items) == (0, 0, 2)
    assert store.count_items() == 2


def test_a_changed_article_is_updated_and_keeps_its_first_seen_time(store: Store) -> None:
    save(store, [make_item("a.txt")])
    first = store.items()[0].first_seen
    changed = make_item("a.txt", text="Astana and Brussels agreed on tungsten instead.")
    assert save(store, [changed]) == (0, 1, 0)
    (item,) = store.items()
    assert item.content_text == "Astana and Brussels agreed on tungsten instead."
    assert item.first_seen == first


def test_dates_come_back_timezone_aware_in_utc(store: Store) -> None:
    plus_one = datetime(2025, 5, 7, 19, 41, tzinfo=UTC).astimezone(tz=None)
    save(store, [make_item("a.txt", published=plus_one)])
    (item,) = store.items()
    assert item.published == plus_one
    assert item.published is not None and item.published.utcoffset() == timedelta(0)


def test_topics_entities_and_evidence_round_trip(store: Store) -> None:
    save(store, [make_item("a.txt", topics=("raw_materials", "energy"))])
    (item,) = store.items()
    assert set(item.topics) == {"raw_materials", "energy"}
    assert item.classification is not None
    assert item.classification.topics[0].evidence[0].term == "lithium"
    assert [e.name for e in item.classification.entities] == ["European Union"]
    assert [i.title for i in store.items(topic="energy")] == [item.title]
    assert store.items(topic="security") == []
    assert [i.id for i in store.items(entity="european union")] == [item.id]


def test_irrelevant_items_are_kept_but_only_listed_when_asked(store: Store) -> None:
    save(store, [make_item("a.txt"), make_item("b.txt", title="China and Kazakhstan", relevant=False)])
    assert [i.title for i in store.items()] == ["Kazakhstan and the EU sign a raw materials deal"]
    assert len(store.items(relevant=None)) == 2


def test_a_failing_batch_stores_nothing_and_keeps_what_was_there(store: Store) -> None:
    save(store, [make_item("a.txt")])
    naive = replace(make_item("c.txt", title="Third"), published=datetime(2025, 1, 1))
    with pytest.raises(StatementError, match="naive datetime"):
        save(store, [make_item("b.txt", title="Second"), naive])
    assert [i.guid for i in store.items()] == ["a.txt"]
    assert store.source_state("test").type == "files"


def test_get_item_by_prefix(store: Store) -> None:
    save(store, [make_item("a.txt")])
    (item,) = store.items()
    assert store.get_item(item.id[:6]).id == item.id
    with pytest.raises(InputError, match="no item"):
        store.get_item("ffffffff")
    with pytest.raises(InputError, match="too short"):
        store.get_item("ab")


def test_source_state_and_pause(store: Store) -> None:
    state = SourceState(name="feed", type="rss", consecutive_failures=5, paused=True, last_error="HTTP 500")
    store.save_source(state=state, config_hash="h", batch=[], ok=False)
    assert store.source_state("feed").paused
    assert store.set_paused("feed", False)
    again = store.source_state("feed")
    assert not again.paused and again.consecutive_failures == 0
    assert not store.set_paused("nope", False)


def test_an_unusable_database_url_is_a_configuration_error(tmp_path: Path) -> None:
    from kzfeed.errors import ConfigError

    with pytest.raises(ConfigError, match="not valid"):  # exit code 2: fix the config
        open_store("not a url")


def test_kept_story_signals_are_replaced_and_none_kept_for_a_deleted_item(database_url: str) -> None:
    """``save_story_signals`` (a run keeping what it worked out) replaces a row, on SQLite and
    on PostgreSQL (where two workers may write the same one), and skips items gone since."""
    store = open_store(database_url)
    try:
        item = make_item("kept.txt")
        store.save_source(state=SourceState(name="s", type="files"), config_hash="x", batch=[item], ok=True)
        store.save_story_signals([(item.id, item.content_hash, "v1", "{}"), ("gone", "h", "v1", "{}")])
        store.save_story_signals([(item.id, item.content_hash, "v1", '{"f":[]}')])
        assert store.story_signals([item.id, "gone"], "v1") == {item.id: (item.content_hash, '{"f":[]}')}
        assert store.story_signals([item.id], "v2") == {}
        with store._engine.begin() as conn:  # pruned: the row goes with the item
            conn.execute(text("DELETE FROM items WHERE id = :i"), {"i": item.id})
        assert store.story_signals([item.id], "v1") == {}
    finally:
        store.close()


def test_a_sources_line_of_a_run_and_a_urls_validators_are_replaced_when_written_again(
    store: Store,
) -> None:
    from kzfeed.http import CacheEntry
    from kzfeed.models import SourceRun, SourceStatus

    run = store.start_run(T0)
    first = SourceRun(source="a", status=SourceStatus.FAILED, warnings=("slow",), duration_s=2.0)
    store.record_source_run(run, first)
    store.record_source_run(run, SourceRun(source="b", status=SourceStatus.OK, new=1))
    store.record_source_run(run, SourceRun(source="a", status=SourceStatus.OK, new=3, duration_s=0.5))
    (record,) = [r for r in store.last_runs() if r.id == run]
    lines = {line.source: line for line in record.sources}
    assert sorted(lines) == ["a", "b"]
    assert (lines["a"].status, lines["a"].new, lines["a"].duration_ms, lines["a"].warnings) == (
        "ok",
        3,
        500,
        (),
    )
    cache = store.http_cache()
    cache.save("https://example.org/feed", CacheEntry(etag='"1"', last_status=200))
    store.save_source(
        state=SourceState(name="a", type="rss"),
        config_hash="x",
        batch=[],
        ok=True,
        validators={
            "https://example.org/feed": CacheEntry(
                last_modified="Tue, 1 Dec 2026 10:00:00 GMT", last_status=304
            ),
            "https://example.org/other": CacheEntry(etag='"2"', last_status=200),
        },
    )
    found = store.http_cache().load_many(["https://example.org/feed", "https://example.org/other"])
    assert found == {
        "https://example.org/feed": CacheEntry(last_modified="Tue, 1 Dec 2026 10:00:00 GMT", last_status=304),
        "https://example.org/other": CacheEntry(etag='"2"', last_status=200),
    }


def test_the_renderers_reads_are_the_stored_items_without_the_classifiers_evidence(store: Store) -> None:
    """Feeds, pages and story signals show no evidence; parsed, it weighs more than an item's
    text, and the renderer reads every item of its head documents. ``show --explain`` keeps it."""
    from dataclasses import replace

    items = [
        make_item("a.txt", published=T0),
        make_item("b.txt", title="Another story", topics=("trade", "energy")),
    ]
    save(store, items)
    full = {i.id: store.get_item(i.id) for i in items}
    assert all(
        c.evidence or any(t.evidence for t in c.topics)
        for c in (i.classification for i in full.values())
        if c
    )

    def without(item: Item) -> Item:
        c = item.classification
        assert c is not None
        topics = tuple(replace(t, evidence=()) for t in c.topics)
        return replace(item, classification=replace(c, evidence=(), topics=topics))

    assert store.items_by_id(list(full)) == {i: without(item) for i, item in full.items()}
    stories = {item.story_id or item.id for item in full.values()}
    assert sorted(store.items_of_stories(stories), key=lambda i: i.id) == sorted(
        (without(item) for item in full.values()), key=lambda i: i.id
    )


def test_evidence_is_stored_as_json_dumps_writes_it_however_often_it_repeats() -> None:
    """Each evidence's JSON text is made once a process: the text stored is ``json.dumps``'
    whatever repeats, and a count or weight equal to another of another type (1, 1.0, True)
    keeps its own."""
    import json

    from kzfeed.models import Evidence
    from kzfeed.storage._itemrows import _evidence_json

    def dumped(evidence: list[Evidence]) -> str:
        rows = [{"term": e.term, "field": e.field, "count": e.count, "weight": e.weight} for e in evidence]
        return json.dumps(rows, ensure_ascii=False)

    alike = [
        Evidence(term="kz:Қазақстан", field="title", count=2, weight=1.5),
        Evidence(term='eu:"Union"\\', field="body"),
        Evidence(term="x", field="lead", count=1, weight=1.0),
        Evidence(term="x", field="lead", count=True, weight=1),
        Evidence(term="x", field="lead", count=1, weight=1.0),
        Evidence(term="y", field="body", count=3, weight=float("nan")),
    ]
    for evidence in ([], alike, alike[::-1], alike[2:4], alike[3:], alike):
        assert _evidence_json(evidence) == dumped(evidence)
