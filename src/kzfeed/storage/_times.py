"""How kzfeed's times are stored, read without SQLAlchemy: SQLite keeps them as text, naive, in
UTC (as SQLAlchemy writes them: ``2025-03-14 09:00:00.000000``), so that text comparisons in
SQL order them; PostgreSQL's driver gives aware datetimes. Standard library only: the shared
records (``_records``) and the ``sqlite3`` path (``_lite``) both use it.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["sql_time", "utc"]


def utc(value: datetime | str | None) -> datetime | None:
    """A stored time as an aware UTC datetime: SQLite's text (naive, in UTC) or a driver's datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sql_time(value: datetime) -> str:
    """``value`` as SQLite stores a time (as SQLAlchemy writes it: naive UTC, microseconds), so
    that text comparisons in SQL order it right."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
