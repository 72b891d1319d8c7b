"""Alembic environment for kzfeed. Run through ``kzfeed db upgrade`` (or automatically when
the database is opened); the connection comes from kzfeed, not from an alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from kzfeed.storage import include_name, metadata

config = context.config


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///var/kzfeed.db")
    with engine.begin() as conn:
        _run(conn)
