"""A new SQLite database made at the newest schema in one transaction, without Alembic.

Migrating an empty database through Alembic's twelve-odd revisions imports Alembic and Mako
(~13 MiB that stay for the whole run, the largest part of a first run's memory after
SQLAlchemy itself) and takes ~0.25 s of CPU. ``sqlite_schema.sql``, next to this module, is
what those migrations leave in an empty SQLite database: every ``CREATE`` statement of its
``sqlite_master`` (tables, the full-text index's virtual table, indexes and triggers; not the
tables SQLite makes for the virtual table itself), written by ``scripts/sqlite_schema.py`` and
checked against the migrations by ``tests/test_fresh_schema.py``. A new SQLite file is made
by running those statements and writing the revision into ``alembic_version``, under one
``BEGIN IMMEDIATE`` so that two processes creating the same file make it once.

Only when the file names the newest shipped revision (else it is out of date: Alembic
migrates, as before), the database is a plain file (not in memory, no URL options) and it is
empty. PostgreSQL is always migrated by Alembic. Standard library only.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from pathlib import Path

from kzfeed.storage._lite import sqlite_path
from kzfeed.storage._revisions import shipped_head

__all__ = ["SCHEMA_FILE", "create_fresh", "read_schema", "schema_statements", "write_schema"]

SCHEMA_FILE = Path(__file__).with_name("sqlite_schema.sql")

_REVISION = re.compile(r"^-- revision: (\S+)$", re.MULTILINE)
#: the tables SQLite makes (and drops) with an FTS5 virtual table
_FTS5_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")


def schema_statements(conn: sqlite3.Connection) -> list[str]:
    """The ``CREATE`` statements of a database's schema, in an order that can make it again:
    tables (virtual ones included) as they were made, then indexes, then triggers; without
    SQLite's own objects (automatic indexes, ``sqlite_*``) and the shadow tables of virtual
    tables (the virtual table's statement makes them)."""
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    ).fetchall()
    virtual = [
        name for kind, name, sql in rows if kind == "table" and sql.upper().startswith("CREATE VIRTUAL")
    ]
    shadows = {v + suffix for v in virtual for suffix in _FTS5_SHADOWS}
    order = {"table": 0, "index": 1, "trigger": 2, "view": 3}
    kept = [(order[kind], n, sql) for n, (kind, name, sql) in enumerate(rows) if name not in shadows]
    return [sql for _, _, sql in sorted(kept)]


def write_schema(conn: sqlite3.Connection, revision: str, path: Path = SCHEMA_FILE) -> None:
    """Write the schema of ``conn`` (a database Alembic migrated to ``revision``) to ``path``."""
    lines = [
        "-- kzfeed's SQLite schema: what its migrations make of an empty database, up to the revision below.",
        "-- Written by scripts/sqlite_schema.py (run it after adding a migration); checked by",
        "-- tests/test_fresh_schema.py. kzfeed.storage._fresh makes new SQLite databases from it.",
        f"-- revision: {revision}",
        "",
    ]
    text = "\n".join(lines) + "".join(f"{sql};\n" for sql in schema_statements(conn))
    path.write_text(text, encoding="utf-8")


@functools.cache
def read_schema(path: Path = SCHEMA_FILE) -> tuple[str, tuple[str, ...]] | None:
    """(revision, statements) of the schema file; None when it is missing or unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    found = _REVISION.search(text)
    if found is None:
        return None
    statements, pending = [], ""
    for line in text.splitlines(keepends=True):
        if not pending and (line.startswith("--") or not line.strip()):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip().removesuffix(";"))
            pending = ""
    return (found.group(1), tuple(statements)) if not pending.strip() else None


def create_fresh(url: str) -> bool:
    """Make the empty SQLite database at ``url`` at the newest schema. False (nothing done)
    when it is not a plain SQLite file, is not empty, or the schema file is not at the newest
    shipped revision: Alembic then decides."""
    path = sqlite_path(url)
    schema = read_schema()
    head = shipped_head()
    if path is None or schema is None or head is None or schema[0] != head:
        return False
    try:
        return _create(path, head, schema[1])
    except sqlite3.Error:  # rolled back: Alembic tries, and says what is wrong in one line
        return False


def _create(path: Path, head: str, statements: tuple[str, ...]) -> bool:
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                conn.execute("ROLLBACK")
                return False
            for sql in statements:
                conn.execute(sql)
            conn.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (head,))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return True
