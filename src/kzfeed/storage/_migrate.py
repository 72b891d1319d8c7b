"""Applying the Alembic migrations that ship with kzfeed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from kzfeed.errors import StorageError
from kzfeed.storage._base import StoreBase

__all__ = [
    "SchemaMixin",
    "alembic_config",
    "current_revision",
    "head_revision",
    "migrations_dir",
    "upgrade",
]


def migrations_dir() -> Path:
    """The migrations folder: inside the installed package, else the source checkout's."""
    here = Path(__file__).resolve().parent.parent  # src/kzfeed
    for candidate in (here / "migrations", here.parent.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise StorageError("kzfeed's migrations folder is missing; reinstall kzfeed")


def alembic_config(connection: Connection | None = None, url: str | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(migrations_dir()))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise StorageError("kzfeed's migrations folder has no revision; reinstall kzfeed")
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> bool:
    """Bring the database to the newest schema. Returns True when a migration ran."""
    with engine.connect() as conn:
        if current_revision(conn) == head_revision():
            return False
    with engine.begin() as conn:
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
        with self._engine.begin() as conn:
            command.revision(alembic_config(conn), message=message, autogenerate=True)
