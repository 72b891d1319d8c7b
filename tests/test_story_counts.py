"""Each feed's story count (what pages its RFC 5005 archives) comes from a checkpoint and the
stories after it (``kzfeed.storage._counts``): the same count, and the same feeds, as counting
every story, whatever changed before the checkpoint (new reports of old stories, merges,
reclassification, a rebuild, retention, PostgreSQL workers writing at once), at a cost that
does not grow with the stories stored."""

from __future__ import annotations

import dataclasses
import random
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from factories import make_item
from kzfeed.config._load import default_config
from kzfeed.models import TOPICS, Classification, Item, SourceState, TopicTag
from kzfeed.publish import publish
from kzfeed.storage import Store, _counts, alembic_config, open_store
from kzfeed.stories import recluster
from vmsteps import VmSteps

START = datetime(2026, 3, 1, tzinfo=UTC)
STATE = SourceState(name="test", type="files")


@pytest.fixture
def small_checkpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checkpoints on feeds of more than 12 stories, moved to 3 short of the newest."""
    monkeypatch.setattr(_counts, "_SLACK", 3)
    monkeypatch.setattr(_counts, "_AFTER", 12)


def _item(n: int, *, story: str | None = None, tie: bool = False) -> Item:
    """Report ``n`` (``story``: the story it joins); with ``tie``, published when report 0 was
    (stories that arrive together then sort by id alone)."""
    item = make_item(
        f"{n:04d}.txt",
        title=f"Kazakhstan and the EU, report {n}",
        text=f"Report number {n} on Astana and Brussels.\n\nLithium, rare earths and rail {n}.",
        topics=(TOPICS[n % 3], TOPICS[3 + n % 2]) if n % 4 else (TOPICS[n % 3],),
        relevant=n % 7 != 0,
        published=START if tie else START + timedelta(hours=n),
        url=f"https://outlet.example/news/{n}",
    )
    return dataclasses.replace(item, story_id=story or item.id)


def _save(store: Store, batch: list[Item], hours: int, merges: dict[str, str] | None = None) -> None:
    store.save_source(
        state=STATE, config_hash="x", batch=batch, ok=True, now=START + timedelta(hours=hours), merges=merges
    )


def _full(store: Store, topic: str | None) -> int:
    with store._engine.connect() as conn:
        if topic is None:
            return int(conn.execute(text("SELECT count(*) FROM stories")).scalar_one())
        query = text("SELECT count(*) FROM story_topics WHERE topic = :t")
        return int(conn.execute(query, {"t": topic}).scalar_one())


def _assert_counts(store: Store) -> None:
    feeds = [None, *TOPICS]
    assert {f: store.count_stories(f) for f in feeds} == {f: _full(store, f) for f in feeds}


def _checkpoints(store: Store) -> dict[str, int]:
    with store._engine.connect() as conn:
        return dict(conn.execute(text("SELECT feed, stories FROM story_counts")).all())  # type: ignore[arg-type]


def _forget_checkpoints(store: Store) -> None:
    with store._engine.begin() as conn:
        conn.execute(text("DELETE FROM story_counts"))
        conn.execute(text("DELETE FROM story_count_changes"))


def _rendered(store: Store, folder: Path) -> dict[str, bytes]:
    config = dataclasses.replace(default_config(folder), feed_size=4)
    publish(config, store)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _classified(relevant: bool, *topics: str) -> Classification:
    return Classification(
        relevant=relevant,
        relevance=0.9 if relevant else 0.1,
        topics=tuple(TopicTag(topic=t, score=0.8) for t in topics),
        reason="test",
    )


@pytest.mark.usefixtures("small_checkpoints")
def test_the_counts_and_feeds_are_those_of_a_full_recount_after_every_change(
    database_url: str, tmp_path: Path
) -> None:
    store = open_store(database_url)
    reports = [_item(n, tie=n >= 50) for n in range(80)]  # the last 30 tie on their arrival and date
    for n in range(0, 80, 10):  # arrivals in eight runs, counted after each
        _save(store, reports[n : n + 10], n)
        _assert_counts(store)
    assert set(_checkpoints(store)) >= {"", TOPICS[0]}  # the large feeds have a checkpoint

    # new reports of old stories (before the checkpoints), bringing them new topics
    _save(store, [_item(100, story=reports[1].id), _item(103, story=reports[2].id)], 100)
    _assert_counts(store)
    # a story merged into another (one story less in each of its feeds)
    _save(store, [], 101, merges={reports[5].id: reports[3].id})
    _assert_counts(store)
    # reclassified: a story's only report no longer relevant, another's topics changed
    store.update_classifications(
        [(reports[9].id, _classified(False)), (reports[10].id, _classified(True, TOPICS[4]))]
    )
    _assert_counts(store)
    store.update_classifications([(reports[14].id, _classified(True, *TOPICS))])  # was left out
    _assert_counts(store)
    # the stories made again (the test reports are all one story then), and retention
    store.save_stories(recluster(store.items(relevant=None)))
    _assert_counts(store)
    store.apply_prune(store.plan_prune(START + timedelta(days=30)))
    _assert_counts(store)
    assert _checkpoints(store)

    kept = _rendered(store, tmp_path / "kept")
    _forget_checkpoints(store)
    assert _rendered(store, tmp_path / "recounted") == kept
    store.close()


def test_an_upgraded_database_counts_its_stories_as_before(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    _save(store, [_item(n) for n in range(40)], 0)
    with store._engine.begin() as conn:
        command.downgrade(alembic_config(conn), "item_dates")
        command.upgrade(alembic_config(conn), "head")
    _save(store, [_item(n) for n in range(40, 1500)], 1)
    _assert_counts(store)
    assert _checkpoints(store)[""] == _full(store, None) - _counts._SLACK
    store.close()


def _count_steps(tmp_path: Path, stories: int) -> int:
    """SQLite virtual-machine steps of counting every feed's stories, ``stories`` stored (in
    one feed and five topics) and counted once before, then ten more stored."""
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")

    def add(first: int, count: int) -> None:
        rows = [
            (f"s{n:06d}", f"2026-03-01 00:00:{n // 1000:02d}.{n % 1000:06d}")
            for n in range(first, first + count)
        ]
        with store._engine.begin() as conn:
            raw = conn.connection.driver_connection
            raw.executemany("INSERT INTO stories VALUES (?, ?, ?, ?, 1)", [(i, t, t, t) for i, t in rows])  # type: ignore[union-attr]
            raw.executemany(  # type: ignore[union-attr]
                "INSERT INTO story_topics VALUES (?, ?, ?, ?)",
                [(i, TOPICS[n % 5], t, t) for n, (i, t) in enumerate(rows)],
            )

    add(0, stories)
    for feed in (None, *TOPICS):
        store.count_stories(feed)
    add(stories, 10)
    store._engine.dispose()
    steps = VmSteps()
    steps.watch_engine(store._engine)
    counts = [store.count_stories(feed) for feed in (None, *TOPICS)]
    assert counts[0] == stories + 10
    store.close()
    return steps.count


def test_counting_a_feed_reads_the_stories_after_its_checkpoint_not_every_story(tmp_path: Path) -> None:
    small = _count_steps(tmp_path / "small", 6_000)
    large = _count_steps(tmp_path / "large", 60_000)
    # ten times the stories, the same work (a count(*) of each feed took ten times the steps)
    assert large < 1.3 * small, (small, large)


@pytest.mark.postgres
@pytest.mark.usefixtures("small_checkpoints")
def test_workers_writing_stories_at_once_keep_the_counts_true(pg_server: object) -> None:
    url: str = pg_server.create_database()  # type: ignore[attr-defined]
    store = open_store(url)
    first = [_item(n) for n in range(60)]
    _save(store, first, 0)
    _assert_counts(store)
    errors: list[BaseException] = []
    done = threading.Event()

    def write(worker: int) -> None:
        mine = open_store(url)
        rng = random.Random(worker)
        try:
            for round_ in range(12):
                n = 1000 * (worker + 1) + 10 * round_
                # new stories, and reports of old ones (before the checkpoints) bringing topics
                batch = [_item(n + k) for k in range(6)]
                batch += [_item(n + 6 + k, story=rng.choice(first).id) for k in range(3)]
                _save(mine, batch, 200 + round_)
                old = rng.choice(first).id
                mine.update_classifications([(old, _classified(rng.random() < 0.5, rng.choice(TOPICS)))])
        except BaseException as exc:
            errors.append(exc)
        finally:
            mine.close()

    def count() -> None:  # the renderer counting (and moving checkpoints) meanwhile
        mine = open_store(url)
        try:
            while not done.is_set():
                for feed in (None, *TOPICS):
                    mine.count_stories(feed)
        except BaseException as exc:
            errors.append(exc)
        finally:
            mine.close()

    writers = [threading.Thread(target=write, args=(w,)) for w in range(3)]
    counter = threading.Thread(target=count)
    counter.start()
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    counter.join()
    assert errors == []
    _assert_counts(store)
    assert _checkpoints(store)
    store.close()
