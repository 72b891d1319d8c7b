"""Write src/kzfeed/storage/sqlite_schema.sql: the schema kzfeed's migrations make of an empty
SQLite database, from which ``kzfeed.storage._fresh`` makes new databases without Alembic.

    .venv/bin/python scripts/sqlite_schema.py

Run it after adding or changing a migration (``tests/test_fresh_schema.py`` fails until then;
until then new databases are migrated by Alembic, as before).
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine

from kzfeed.storage._fresh import SCHEMA_FILE, write_schema
from kzfeed.storage._migrate import alembic_config
from kzfeed.storage._revisions import shipped_head


def main() -> None:
    from alembic import command

    head = shipped_head()
    if head is None:
        sys.exit("sqlite_schema.py: the migrations have no single head; fix them first")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "migrated.sqlite"
        engine = create_engine(f"sqlite:///{path}")
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        engine.dispose()
        with sqlite3.connect(path) as conn:
            write_schema(conn, head)
        conn.close()
    print(f"wrote {SCHEMA_FILE} at revision {head}")


if __name__ == "__main__":
    main()
