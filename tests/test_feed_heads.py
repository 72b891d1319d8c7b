"""The feeds come from the stories kept in the database, page by page: the same files as
rendering every stored item at once, written only where something changed; and the commands
that go over everything stored (stories, prune) work on many items a batch at a time."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import select

from factories import make_item
from kzfeed.config._load import default_config
from kzfeed.models import TOPICS, Item, SourceState
from kzfeed.publish import publish
from kzfeed.publish._write import build_outputs
from kzfeed.storage import Store, alembic_config, open_store
from kzfeed.storage._schema import stories, story_topics
from kzfeed.stories import recluster
from vmsteps import VmSteps

_WORDS = [a + b + c for a in "bdgklmnprstvz" for b in "aeiou" for c in ("", "n", "s", "r", "l")]
START = datetime(2026, 3, 1, tzinfo=UTC)
STATE = SourceState(name="test", type="files")


def _batch(start: int, count: int, *, joins: dict[int, str] | None = None) -> list[Item]:
    """``count`` relevant and a few irrelevant items, topics in turn, some with a link of their
    own (no page) and some without (a page each); ``joins``: item number → story it joins."""
    batch = []
    for n in range(start, start + count):
        item = make_item(
            f"{n:04d}.txt",
            title=f"Kazakhstan and the EU, report {n}",
            text=f"Report number {n} on Astana and Brussels.\n\nLithium, rare earths and rail {n}.",
            topics=(TOPICS[n % 3], TOPICS[3 + n % 2]) if n % 4 else (TOPICS[n % 3],),
            relevant=n % 7 != 0,
            published=START + timedelta(hours=n),
            url=f"https://outlet.example/news/{n}" if n % 2 else None,
            lang=("fr", "en", "kk")[n % 3],
        )
        batch.append(dataclasses.replace(item, story_id=(joins or {}).get(n, item.id)))
    return batch


def _save(store: Store, batch: list[Item], hours: int) -> None:
    store.save_source(state=STATE, config_hash="x", batch=batch, ok=True, now=START + timedelta(hours=hours))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_feeds_from_the_database_are_those_of_every_item_at_once(database_url: str, tmp_path: Path) -> None:
    # 48 stories, pages of 5: the newest three stories are in the head document only
    config = dataclasses.replace(default_config(tmp_path), feed_size=5)
    store = open_store(database_url)
    # stories of several reports, in several languages: the lead is the English one
    first = _batch(0, 60, joins={12: _batch(10, 1)[0].id, 25: _batch(24, 1)[0].id, 26: _batch(24, 1)[0].id})
    for n in range(0, 60, 10):  # arrivals in six runs
        _save(store, first[n : n + 10], n)
    publish(config, store)
    public = config.output_dir
    assert _files(public) == build_outputs(config, store.items(relevant=True), runs=False)
    archives = {p: p.stat().st_mtime_ns for p in public.rglob("*-archive-*")}
    assert len(archives) > 20

    # a later run: new stories, and a report (in the first preferred language) of a story shown
    # in the overall head document only
    head = first[-1]
    later = _batch(60, 13, joins={61: head.id})
    _save(store, later, 100)
    publish(config, store)
    assert _files(public) == build_outputs(config, store.items(relevant=True), runs=False)
    assert {p: p.stat().st_mtime_ns for p in archives} == archives  # full archives stay as written
    assert len(list(public.rglob("*-archive-*"))) > len(archives)  # new full pages were written
    store.close()


def test_a_render_with_nothing_changed_writes_nothing(tmp_path: Path) -> None:
    config = dataclasses.replace(default_config(tmp_path), feed_size=3)
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    _save(store, _batch(0, 40), 0)
    assert publish(config, store)
    before = {p: p.stat().st_mtime_ns for p in config.output_dir.rglob("*")}
    assert publish(config, store) == []
    assert {p: p.stat().st_mtime_ns for p in config.output_dir.rglob("*")} == before
    store.close()


def _render_steps(tmp_path: Path, count: int) -> int:
    """SQLite virtual-machine steps of a render with nothing changed, ``count`` items stored."""
    config = dataclasses.replace(default_config(tmp_path), feed_size=5)
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    for start in range(0, count, 500):
        batch = [
            make_item(f"{n}.txt", text=f"Text {n}.", topics=(TOPICS[n % 4],), url=f"https://x.example/{n}",
                      published=START + timedelta(hours=n))
            for n in range(start, min(count, start + 500))
        ]  # fmt: skip
        _save(store, batch, start)
    publish(config, store)
    store._engine.dispose()
    steps = VmSteps()
    steps.watch_engine(store._engine)
    assert publish(config, store) == []
    store.close()
    return steps.count


def test_a_render_with_nothing_changed_does_not_read_every_stored_item(tmp_path: Path) -> None:
    small = _render_steps(tmp_path / "small", 200)
    large = _render_steps(tmp_path / "large", 2000)
    # ten times the items: what grows is counting each feed's stories in its index, up to the
    # few hundred after which a feed counts from a checkpoint (``storage._counts``; reading
    # every relevant item in outline, as before, took 8.7 times the steps)
    assert large < 3 * small, (small, large)


def test_the_migration_fills_the_stories_of_a_database_with_items(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    store = open_store(url)
    lead = _batch(2, 1)[0].id
    batch = _batch(0, 30, joins={4: lead, 5: lead})
    _save(store, batch[:20], 0)
    _save(store, batch[20:], 5)

    def rows() -> tuple[list[object], list[object]]:
        with store._engine.connect() as conn:
            return (
                list(conn.execute(select(stories).order_by(stories.c.id)).all()),
                list(
                    conn.execute(select(story_topics).order_by(story_topics.c.story_id, story_topics.c.topic))
                ),
            )

    kept = rows()
    assert any(r.reports == 3 for r in kept[0])  # a story of three reports
    with store._engine.begin() as conn:
        command.downgrade(alembic_config(conn), "fleet_polite")
        command.upgrade(alembic_config(conn), "head")
    assert rows() == kept
    store.close()


def test_stories_rebuild_a_batch_at_a_time_gives_the_stories_of_a_rebuild_at_once(
    tmp_path: Path, kzfeed: object
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'var' / 'kzfeed.db'}")
    copies = []
    for n in range(1200):
        words = random.Random(n % 500).choices(_WORDS, k=60)
        text = f"Astana and Brussels agreed on lithium, report {n % 500}, " + " ".join(words)
        copies.append(make_item(f"{n:05d}.txt", text=text, published=START + timedelta(hours=n % 500)))
    for n in range(0, 1200, 300):
        _save(store, copies[n : n + 300], n)
    expected = {i.id: i.story_id for i in recluster(store.items(relevant=None))}
    result = kzfeed("stories", "--rebuild", "--all")  # type: ignore[operator]
    assert result.exit_code == 0, result.stderr
    got = {i.id: i.story_id for i in store.items(relevant=None)}
    assert got == expected
    copies_of = {}
    for item in copies:
        copies_of.setdefault(item.content_hash, set()).add(got[item.id])
    assert all(len(found) == 1 for found in copies_of.values())  # each text's copies: one story
    assert result.stdout.count("report(s)") == len(set(got.values())) > 400
    listed = kzfeed("stories", "--limit", "250").stdout  # type: ignore[operator]
    assert listed.count("report(s)") == 250
    store.close()


def test_prune_drops_many_old_items_left_out_and_keeps_the_feeds(database_url: str) -> None:
    from kzfeed.ops import plan_retention

    store = open_store(database_url)
    now = START + timedelta(days=800)
    old = [make_item(f"old{n}.txt", published=START, relevant=n % 10 == 0) for n in range(1500)]
    _save(store, old, 0)
    _save(store, [make_item("new.txt", published=now, relevant=False)], 24 * 790)
    plan = plan_retention(default_config(), store, timedelta(days=365), now=now)
    assert (plan.items, plan.kept_shown) == (1350, 150)
    assert sum(1 for _ in store.prunable_items(plan.cutoff, batch=100)) == 1350
    store.apply_prune(plan)
    assert store.count_items() == 151
    assert len(store.items(relevant=True)) == 150
    store.close()
