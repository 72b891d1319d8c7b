"""A new SQLite database is made from ``storage/sqlite_schema.sql`` without Alembic, and is the
same database Alembic's migrations make: every object of ``sqlite_master`` (the full-text
index's virtual table, its shadow tables and triggers included), every row, the pragmas."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine

from factories import make_item
from kzfeed.models import SourceState
from kzfeed.storage import _fresh, open_store
from kzfeed.storage._migrate import alembic_config
from kzfeed.storage._revisions import shipped_head

_PRAGMAS = ("journal_mode", "page_size", "auto_vacuum", "encoding", "user_version", "application_id")


def _migrated(path: Path) -> Path:
    """An empty database migrated by Alembic, revision by revision, as before."""
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    engine.dispose()
    return path


def _everything(
    path: Path,
) -> tuple[list[tuple[str, ...]], dict[str, list[tuple[object, ...]]], list[object]]:
    """(sqlite_master, each table's rows, the pragmas) of the database at ``path``."""
    with sqlite3.connect(path) as conn:
        master = sorted(conn.execute("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master"))
        tables = [
            name for kind, name, _, sql in master if kind == "table" and not sql.startswith("CREATE VIRTUAL")
        ]
        rows = {name: sorted(conn.execute(f'SELECT * FROM "{name}"'), key=repr) for name in tables}
        pragmas = [conn.execute(f"PRAGMA {p}").fetchone()[0] for p in _PRAGMAS]
    conn.close()
    return master, rows, pragmas


def test_the_schema_file_is_what_the_migrations_make(tmp_path: Path) -> None:
    path = _migrated(tmp_path / "migrated.sqlite")
    with sqlite3.connect(path) as conn:
        statements = _fresh.schema_statements(conn)
    conn.close()
    assert _fresh.read_schema() == (shipped_head(), tuple(statements)), (
        "src/kzfeed/storage/sqlite_schema.sql is out of date with the migrations: "
        "run `.venv/bin/python scripts/sqlite_schema.py` and commit it"
    )


def test_a_new_database_is_the_one_the_migrations_make(tmp_path: Path) -> None:
    migrated = _migrated(tmp_path / "migrated.sqlite")
    made = tmp_path / "made.sqlite"
    open_store(f"sqlite:///{made}").close()
    open_store(f"sqlite:///{migrated}").close()  # the same connection pragmas (WAL) on both
    assert _everything(made) == _everything(migrated)
    master = {name for _, name, _, _ in _everything(made)[0]}
    assert {"items_fts", "items_fts_data", "items_fts_keys", "items_fts_update", "ix_items_date"} <= master


def test_a_new_database_is_made_without_alembic_and_searches_its_items(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    body = (
        "import sys\nfrom kzfeed.storage import open_store\n"
        f"open_store({url!r}).close()\nprint('alembic' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
    out = subprocess.run([sys.executable, "-c", body], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.split() == ["False"]
    with open_store(url) as store:
        assert store.schema_revision() == shipped_head()
        item = make_item("a.txt", title="Astana hosts a steppe forum", text="Nomads gather in Astana.")
        store.save_source(
            state=SourceState(name="test", type="files"), config_hash="x", batch=[item], ok=True
        )
        assert [hit.title for hit in store.search_items("steppe", relevant_only=False)] == [
            "Astana hosts a steppe forum"
        ]


def test_an_out_of_date_schema_file_leaves_the_new_database_to_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    revision, statements = _fresh.read_schema() or ("", ())
    monkeypatch.setattr(_fresh, "read_schema", lambda: ("an_older_revision", statements[:3]))
    made = tmp_path / "made.sqlite"
    open_store(f"sqlite:///{made}").close()
    migrated = _migrated(tmp_path / "migrated.sqlite")
    open_store(f"sqlite:///{migrated}").close()
    assert revision == shipped_head()
    assert _everything(made) == _everything(migrated)


def test_a_database_that_is_not_empty_is_not_made_again(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('kept')")
    conn.close()
    assert _fresh.create_fresh(f"sqlite:///{path}") is False
    open_store(f"sqlite:///{path}").close()  # migrated by Alembic around the table, as before
    assert _fresh.create_fresh(f"sqlite:///{path}") is False
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT body FROM notes").fetchall() == [("kept",)]
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(shipped_head(),)]
    conn.close()
