"""Reads and writes of each stored report's story signals (``story_signals``): what a run
compares new reports with, read by item id instead of working them out from every stored
report around the new ones. The signals are opaque text here (``kzfeed.stories`` writes and
reads them); a row holds for the content hash and the version it was written for."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, select

from kzfeed.storage._base import StoreBase, chunks
from kzfeed.storage._direct import insert_rows
from kzfeed.storage._schema import items, story_signals

__all__ = ["SignalsMixin", "SignalsRow", "drop_signals", "write_signals"]

#: (item id, content hash, version, signals as text)
SignalsRow = tuple[str, str, str, str]


class SignalsMixin(StoreBase):
    """The kept story signals of stored reports."""

    def story_signals(self, ids: Collection[str], version: str) -> dict[str, tuple[str, str]]:
        """``{item id: (content hash, signals)}`` of the items of ``ids`` whose signals were
        kept for ``version`` (the others: none kept, or for another version)."""
        found: dict[str, tuple[str, str]] = {}
        with self._engine.connect() as conn:
            for chunk in chunks(list(ids)):
                query = select(story_signals.c.item_id, story_signals.c.content_hash, story_signals.c.signals)
                query = query.where(story_signals.c.item_id.in_(chunk), story_signals.c.version == version)
                found.update((row.item_id, (row.content_hash, row.signals)) for row in conn.execute(query))
        return found

    def save_story_signals(self, rows: Sequence[SignalsRow]) -> None:
        """Keep the signals of stored reports (worked out from the stored items), replacing
        what was kept for them; rows of items deleted since are left out."""
        if not rows:
            return
        with self._engine.begin() as conn:
            present: set[str] = set()
            for chunk in chunks([row[0] for row in rows]):
                present.update(conn.execute(select(items.c.id).where(items.c.id.in_(chunk))).scalars())
            values = _values(row for row in rows if row[0] in present)
            if values:  # another worker may write the same rows at once: the last one stays
                upsert = _insert(conn)(story_signals)
                columns = ("content_hash", "version", "signals")
                replace = {column: upsert.excluded[column] for column in columns}
                conn.execute(upsert.on_conflict_do_update(index_elements=["item_id"], set_=replace), values)


def _insert(conn: Connection) -> Any:
    """The backend's INSERT that takes ON CONFLICT (SQLite and PostgreSQL both have it)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def write_signals(conn: Connection, rows: Iterable[SignalsRow]) -> None:
    """Insert signals rows (of items that have none: new ones, or after :func:`drop_signals`)."""
    insert_rows(conn, story_signals, _values(rows))


def _values(rows: Iterable[SignalsRow]) -> list[dict[str, object]]:
    """The ``story_signals`` columns of each row."""
    return [
        {"item_id": item_id, "content_hash": content_hash, "version": version, "signals": text}
        for item_id, content_hash, version, text in rows
    ]


def drop_signals(conn: Connection, ids: Collection[str]) -> None:
    """Forget the kept signals of ``ids`` (their items changed)."""
    for chunk in chunks(list(ids)):
        conn.execute(delete(story_signals).where(story_signals.c.item_id.in_(chunk)))
