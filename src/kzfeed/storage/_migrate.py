"""Applying the Alembic migrations that ship with kzfeed.

A new SQLite database is made from the schema file without Alembic (``_fresh``). Opening a
database that is already at the newest revision must not import Alembic (with Mako
and Pygments it takes ~0.15 s, more than a run in which every feed answers 304): the stored
revision is read with one query and compared with the newest revision of the files in
``migrations/versions``, read from their ``revision``/``down_revision`` lines. Alembic is
imported only to migrate (and by ``kzfeed db``).

On PostgreSQL several workers may open an empty (or older) database at the same moment: the
migration runs under a transaction-scoped advisory lock, and whoever waited for it reads the
revision again once it holds it, so that one process migrates and the others find the schema
at the newest revision (the lock is released when the migration's transaction commits).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from kzfeed.errors import StorageError
from kzfeed.storage._base import StoreBase
from kzfeed.storage._revisions import migrations_dir, shipped_head, shipped_revisions

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

__all__ = [
    "SchemaMixin",
    "alembic_config",
    "current_revision",
    "head_revision",
    "migrations_dir",
    "shipped_head",
    "upgrade",
]


def alembic_config(connection: Connection | None = None, url: str | None = None) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(migrations_dir()))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise StorageError("kzfeed's migrations folder has no revision; reinstall kzfeed")
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


_MIGRATE_LOCK = 0x6B7A_0001  # the advisory lock held while one process migrates (PostgreSQL)


def upgrade(engine: Engine) -> bool:
    """Bring the database to the newest schema. Returns True when a migration ran."""
    with engine.connect() as conn:
        if _at_head(conn):
            return False
        _refuse_unknown(_stored_revision(conn))
    if engine.dialect.name == "sqlite":
        from kzfeed.storage._fresh import create_fresh

        if create_fresh(engine.url.render_as_string(hide_password=False)):
            return True
        with engine.connect() as conn:
            if _at_head(conn):  # another process made it meanwhile
                return False
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # held until this transaction commits the new schema and its revision; a process
            # that waited here then sees that revision (each statement reads what is committed)
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATE_LOCK})
            if _at_head(conn):
                return False
        command.upgrade(alembic_config(conn), "head")
    return True


class SchemaMixin(StoreBase):
    """The database schema: which migration it is at, and new migrations for developers."""

    def schema_revision(self) -> str | None:
        """The migration the database is at (None: an empty database)."""
        with self._engine.connect() as conn:
            return current_revision(conn)

    def write_migration(self, message: str) -> None:
        """Write a new migration into the migrations folder: the difference between the tables
        (``_schema``) and this database (``kzfeed db revision``)."""
        from alembic import command

        with self._engine.begin() as conn:
            command.revision(alembic_config(conn), message=message, autogenerate=True)


def _at_head(connection: Connection) -> bool:
    """True when the database is at the newest shipped revision (False when that is unknown:
    Alembic then decides)."""
    head = shipped_head()
    return head is not None and _stored_revision(connection) == head


def _refuse_unknown(stored: str | None) -> None:
    """A database a newer kzfeed has migrated: say so in one line (Alembic would raise "Can't
    locate revision" with a traceback), and leave it as it is."""
    known = shipped_revisions()
    if stored is not None and known is not None and stored not in known:
        raise StorageError(
            f"the database is at schema revision {stored!r}, which this kzfeed does not know: a newer "
            "kzfeed has upgraded it; run that version (pip install --upgrade kzfeed) or use another database"
        )


def _stored_revision(connection: Connection) -> str | None:
    """The revision in ``alembic_version`` (None: no table, or not one linear revision)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None
