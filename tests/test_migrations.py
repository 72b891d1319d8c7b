from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from conftest import CliResult
from kzfeed.storage import alembic_config, head_revision, include_name, metadata, open_store

REPO = Path(__file__).resolve().parents[1]


def test_migrated_schema_equals_the_tables(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with store._engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name}),
            metadata,
        )
    assert store.schema_revision() == head_revision()
    store.close()
    assert diff == [], f"tables and migrations differ; write a migration: {diff}"


def test_opening_an_old_database_upgrades_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    open_store(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert "items" not in inspect(engine).get_table_names()
    engine.dispose()
    store = open_store(url)
    assert {"items", "sources", "item_topics", "runs", "run_sources"} <= set(
        inspect(store._engine).get_table_names()
    )
    store.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with store._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()


@pytest.mark.slow
def test_wheel_ships_the_migrations(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("kzfeed-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "kzfeed/migrations/env.py" in names
    assert any(n.startswith("kzfeed/migrations/versions/0001") for n in names)
    assert "kzfeed/storage/sqlite_schema.sql" in names  # new SQLite databases are made from it


def test_run_errors_stored_as_strings_become_records_on_upgrade(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import text

    from kzfeed.models import RunErrorKind

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    open_store(url).close()
    engine = create_engine(url)
    finished = "2026-11-20 06:00:00.000000"
    errors = {
        "feed": ("failed", "source 'feed': HTTP 404 for https://news.example.org/rss.xml; check the URL"),
        "plugin": ("failed", "source 'plugin' (odd) crashed: ValueError: boom"),
        "broken": ("failed", "source 'broken': no feed in https://example.org/page, only HTML"),
        "tired": (
            "paused",
            "paused after 5 failures (HTTP 500); run 'kzfeed sources reset tired' to try again",
        ),
        "later": ("skipped", "not due before 2026-11-20T07:00:00+00:00 (backing off after 1 failure(s))"),
        "fine": ("ok", None),
    }
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "i14_story_keys")  # before run errors were records
        conn.execute(
            text(
                "INSERT INTO runs (id, started_at, finished_at, status, worker) VALUES (1, :s, :f, 'failed', '')"
            ),
            {"s": "2026-11-20 05:59:00.000000", "f": finished},
        )
        for source, (status, error) in errors.items():
            conn.execute(
                text("INSERT INTO run_sources (run_id, source, status, error) VALUES (1, :n, :st, :e)"),
                {"n": source, "st": status, "e": error},
            )
    engine.dispose()
    store = open_store(url)  # upgrades
    (run,) = store.last_runs()
    store.close()
    got = {s.source: s.error for s in run.sources}
    assert got["fine"] is None
    for source, (_, message) in errors.items():
        if message is not None:
            record = got[source]
            assert record is not None and record.source == source
            assert record.message == message and str(record) == message  # shown as before
            assert record.at == datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    assert {s: e.kind for s, e in got.items() if e} == {
        "feed": RunErrorKind.FETCH,
        "plugin": RunErrorKind.CRASH,
        "broken": RunErrorKind.SOURCE,
        "tired": RunErrorKind.PAUSED,
        "later": RunErrorKind.NOT_DUE,
    }
    assert got["feed"] is not None and got["feed"].url == "https://news.example.org/rss.xml"
    assert got["broken"] is not None and got["broken"].url == "https://example.org/page"
    assert got["plugin"] is not None and got["plugin"].url is None


def test_a_database_with_a_run_history_gets_the_runs_by_status_and_every_run_finds_the_running_ones_by_it(
    tmp_path: Path,
) -> None:
    """Every run marks the runs its dead predecessors left ``running`` (``mark_stale_runs``);
    read without an index that was every run ever recorded. A database from before, with its
    history, is upgraded in place: the runs stay and the stale one is still found."""
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    open_store(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "story_signals")  # before runs had an index on status
        conn.execute(
            text(
                "INSERT INTO runs (started_at, status, worker) VALUES ('2026-11-20 05:00:00.000000', :s, 'w:1')"
            ),
            [{"s": "ok"}] * 300 + [{"s": "running"}],
        )
    engine.dispose()
    store = open_store(url)  # upgrades
    with store._engine.connect() as conn:
        plan = " ".join(
            row[-1]
            for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN UPDATE runs SET status = 'interrupted' WHERE runs.status = 'running'"
            )
        )
    assert "USING INDEX ix_runs_status" in plan, plan
    assert store.mark_stale_runs() == 1
    assert len(store.last_runs(limit=500)) == 301
    store.close()


def test_a_database_with_items_gains_the_story_signals_table_and_a_run_fills_it(tmp_path: Path) -> None:
    """The upgrade touches no stored item; the next run that brings news works out the signals
    of the stored reports around it, as before, and keeps them for the runs after."""
    from datetime import UTC, datetime, timedelta

    from factories import make_item
    from kzfeed.models import SourceState
    from kzfeed.pipeline._stories import RunStoryKeys, story_index
    from kzfeed.stories import SIGNALS_VERSION

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    when = datetime(2025, 5, 30, tzinfo=UTC)
    store = open_store(url)
    stored = [
        make_item(f"{n}.txt", title=f"Story {n}", published=when + timedelta(hours=n)) for n in range(5)
    ]
    store.save_source(state=SourceState(name="s", type="files"), config_hash="x", batch=stored, ok=True)
    store.close()
    engine = create_engine(url)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "fleet_turns")  # before the table
    assert "story_signals" not in inspect(engine).get_table_names()
    engine.dispose()
    store = open_store(url)  # upgrades
    ids = [item.id for item in stored]
    assert set(store.items_by_id(ids)) == set(ids)
    assert store.story_signals(ids, SIGNALS_VERSION) == {}
    news = make_item("new.txt", title="News", published=when + timedelta(days=1))
    story_index(RunStoryKeys(store), [news], when + timedelta(days=1), {})
    assert set(store.story_signals(ids, SIGNALS_VERSION)) == set(ids)
    store.close()


def test_a_database_a_newer_kzfeed_upgraded_is_refused_in_one_line_and_left_as_it_is(
    kzfeed: Callable[..., CliResult], write_config: Callable[[str], Path], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'kz.db'}"
    write_config(f'database = "{url}"\n[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n')
    assert kzfeed("run").exit_code == 0
    engine = create_engine(url)
    with engine.begin() as conn:
        stored = conn.execute(text("SELECT count(*) FROM items")).scalar()
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00d_from_a_newer_kzfeed'"))
    for command_line in (["run"], ["status"], ["items"]):
        refused = kzfeed(*command_line)
        assert refused.exit_code != 0, command_line
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in refused.stderr, refused.stderr
        assert "schema revision 'f00d_from_a_newer_kzfeed'" in lines[0] and "newer kzfeed" in lines[0]
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            == "f00d_from_a_newer_kzfeed"
        )
        assert conn.execute(text("SELECT count(*) FROM items")).scalar() == stored
    engine.dispose()
