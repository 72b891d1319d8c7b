"""A run reads the story keys around its batch, not every stored one (issue 14): what it reads
follows what changed, and an old report's copy still finds its story."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect

from factories import make_item
from kzfeed.models import Item, SourceState
from kzfeed.storage import Arrived, Store, alembic_config, open_store
from kzfeed.stories import StoryIndex, assign_stories, story_lookup

T0 = datetime(2024, 1, 1, 9, tzinfo=UTC)
WORDS = "lithium tungsten hydrogen corridor rail port grain uranium wind solar bank loan treaty visa".split()


def _text(n: int) -> str:
    # ~60 words that differ from one report to the next (each gets a fingerprint of its own)
    return " ".join(f"{WORDS[(n * 7 + i * (n % 5 + 1)) % len(WORDS)]}{(n * 31 + i) % 97}" for i in range(60))


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = open_store(database_url)
    yield s
    s.close()


def _save(store: Store, items: list[Item], now: datetime | None = None) -> None:
    state = SourceState(name="test", type="files")
    store.save_source(state=state, config_hash="x", batch=items, ok=True, now=now)


def _stored(store: Store) -> list[Item]:
    """100 reports, one a week over two years, each its own story."""
    reports = [
        make_item(f"r{n}.txt", title=f"Report {n}", text=_text(n), published=T0 + timedelta(days=7 * n))
        for n in range(100)
    ]
    _save(store, assign_stories(reports, StoryIndex()))
    return reports


def _keys(store: Store, batch: list[Item]) -> set[str]:
    look = story_lookup(batch, T0 + timedelta(days=700))
    found = store.story_keys(
        ids=look.ids, hashes=look.hashes, urls=look.urls, guids=look.guids, spans=look.spans
    )
    return {key.item_id for key in found}


def test_only_the_keys_of_reports_around_the_batch_are_read(store: Store) -> None:
    stored = _stored(store)
    when = T0 + timedelta(days=7 * 50)
    new = make_item("new.txt", title="News", text=_text(1000), published=when)
    read = _keys(store, [new])
    # the reports published within the story window (10 days) and a day either side
    assert read == {stored[n].id for n in (49, 50, 51)}


def test_a_copy_of_an_old_report_still_finds_its_story(store: Store) -> None:
    stored = _stored(store)
    # the same text, republished two years later by another site
    copy = make_item("elsewhere.txt", source="other", title=stored[3].title, text=stored[3].content_text)
    copy = replace(copy, published=T0 + timedelta(days=720))
    read = _keys(store, [copy])
    assert stored[3].id in read and len(read) <= 3
    look = story_lookup([copy], T0 + timedelta(days=720))
    index = StoryIndex(
        store.story_keys(ids=look.ids, hashes=look.hashes, urls=look.urls, guids=look.guids, spans=look.spans)
    )
    (assigned,) = assign_stories([copy], index)
    assert assigned.story_id == stored[3].id


def test_an_undated_report_is_compared_with_those_first_seen_around_now(store: Store) -> None:
    stored = _stored(store)
    now = T0 + timedelta(days=700)
    undated = [make_item(f"u{n}.txt", title=f"Undated {n}", text=_text(500 + n)) for n in range(2)]
    for item, seen in zip(
        assign_stories(undated, StoryIndex()), (now - timedelta(days=400), now), strict=True
    ):
        _save(store, [item], now=seen)
    new = make_item("new.txt", title="News", text=_text(2000))  # no date: taken as published now
    read = _keys(store, [new])
    near = {i.id for i in stored if i.published and abs(i.published - now) <= timedelta(days=11)}
    assert read == near | {undated[1].id}


def test_a_database_with_items_gains_the_story_key_indexes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = open_store(url)
    stored = _stored(store)
    store.close()
    engine = create_engine(url)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "fts_keys")  # the schema before the indexes
    assert "ix_items_content_hash" not in {i["name"] for i in inspect(engine).get_indexes("items")}
    engine.dispose()
    store = open_store(url)  # upgrades
    try:
        indexes = {i["name"] for i in inspect(create_engine(url)).get_indexes("items")}
        assert {
            "ix_items_content_hash",
            "ix_items_guid",
            "ix_items_published",
            "ix_items_first_seen",
        } <= indexes
        assert store.count_items() == 100
        new = make_item("new.txt", title="News", text=_text(1000), published=T0 + timedelta(days=7 * 50))
        assert _keys(store, [new]) == {stored[n].id for n in (49, 50, 51)}
        assert store.search_items("Report", relevant_only=False)  # the full-text index still works
    finally:
        store.close()


def test_a_lookup_of_many_keys_at_once_finds_each_stored_match_once(store: Store) -> None:
    # more values than one IN (...) list holds (500) and than one statement binds (900): the
    # lookup goes as several statements, each a UNION ALL of several kinds of condition
    def reports(name: str, count: int, first: datetime, step: int, seen: datetime) -> list[Item]:
        made = [
            make_item(
                f"{name}{n}.txt",
                title=f"{name} {n}",
                text=_text(len(name) * 100 + n),
                published=first + timedelta(days=step * n),
                url=f"https://example.org/{name}/{n}",
            )
            for n in range(count)
        ]
        _save(store, assign_stories(made, StoryIndex()), now=seen)
        return made

    early = reports("early", 50, T0, 7, seen=T0 + timedelta(days=800))
    late = reports("late", 5, T0 + timedelta(days=1000), 1, seen=T0 + timedelta(days=1100))
    noise = [f"missing-{n}" for n in range(700)]
    ids = [*noise, early[1].id, late[0].id]
    hashes = [*noise, early[2].content_hash]
    urls = [*noise[:600], early[3].canonical_url or ""]
    guids = [*noise[:550], early[4].guid]
    spans = [
        (T0 + timedelta(days=7 * 30), T0 + timedelta(days=7 * 32)),
        (T0 + timedelta(days=1000), T0 + timedelta(days=1001)),
    ]
    found = store.story_keys(ids=ids, hashes=hashes, urls=urls, guids=guids, spans=spans)
    # each once, in the order kzfeed first saw them (then by date)
    expected = [early[n].id for n in (1, 2, 3, 4, 30, 31, 32)] + [late[0].id, late[1].id]
    assert [key.item_id for key in found] == expected
    # a rebuild reads only what it has done: here, the items first seen before the late ones
    done = Arrived(first_seen=T0 + timedelta(days=900))
    found = store.story_keys(ids=ids, hashes=hashes, urls=urls, guids=guids, spans=spans, arrived=done)
    assert [key.item_id for key in found] == expected[:-2]
