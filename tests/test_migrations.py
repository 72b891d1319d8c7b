from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

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
