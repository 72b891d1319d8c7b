"""Sources and their health: the ``sources`` table (validators, failures, back-off, pause)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, insert, select, text, update
from sqlalchemy.sql import bindparam

from kzfeed.models import SourceState
from kzfeed.storage._base import StoreBase, chunks
from kzfeed.storage._direct import DIRECT, insert_rows, update_row, update_rows
from kzfeed.storage._records import UNHEALTHY_SQL, state_from_row
from kzfeed.storage._runrows import source_values
from kzfeed.storage._schema import items, sources

__all__ = ["SourcesMixin", "health_values", "state_from_row", "upsert_sources", "write_health"]


class SourcesMixin(StoreBase):
    """Reads and writes of what is stored about each source."""

    def source_state(self, name: str) -> SourceState:
        """What is stored about a source (a blank state for a source never run)."""
        with self._engine.connect() as conn:
            row = conn.execute(select(sources).where(sources.c.name == name)).mappings().first()
        if row is None:
            return SourceState(name=name)
        return state_from_row(row)

    def source_states(self, names: Collection[str] | None = None) -> list[SourceState]:
        """Every stored source (or those of ``names`` that are stored), by name."""
        if names is None:
            with self._engine.connect() as conn:
                rows = conn.execute(select(sources).order_by(sources.c.name)).mappings().all()
            return [state_from_row(r) for r in rows]
        found: list[SourceState] = []
        with self._engine.connect() as conn:
            for chunk in chunks(sorted(names)):
                query = select(sources).where(sources.c.name.in_(chunk)).order_by(sources.c.name)
                found.extend(state_from_row(r) for r in conn.execute(query).mappings())
        return found

    def known_hashes(self, source: str) -> dict[str, str]:
        """``{guid: content_hash}`` of the items stored for a source."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(items.c.guid, items.c.content_hash).where(items.c.source == source))
            return {guid: h for guid, h in rows}

    def set_paused(self, name: str, paused: bool, reason: str | None = None) -> bool:
        """Pause or un-pause a source; returns False when no such source is stored."""
        with self._engine.begin() as conn:
            values: dict[str, Any] = {"paused": paused, "paused_reason": reason}  # un-paused: due now
            if not paused:
                values.update(consecutive_failures=0, next_due=None, due_at=None, last_error=None)
            result = conn.execute(update(sources).where(sources.c.name == name).values(**values))
            return bool(result.rowcount)

    def unhealthy_sources(self, *, failing_after: int = 1) -> list[SourceState]:
        """Sources paused, or failing ``failing_after`` times or more in a row, worst first."""
        with self._engine.connect() as conn:  # the SQL ``status`` also runs through sqlite3
            rows = conn.execute(text(UNHEALTHY_SQL), {"failing_after": failing_after}).mappings()
            return [state_from_row(r) for r in rows]


def upsert_sources(
    conn: Connection, rows: Sequence[tuple[SourceState, str]], *, due_at: datetime | None = None
) -> None:
    """Write the health rows (``(state, config hash)``) of several sources; with ``due_at``,
    when they are due again too (:func:`write_health`)."""
    write_health(conn, [health_values(state, config_hash, due_at=due_at) for state, config_hash in rows])


def health_values(state: SourceState, config_hash: str, *, due_at: datetime | None = None) -> dict[str, Any]:
    """The columns of a source's health row a run writes; with ``due_at``, its due time too."""
    values = source_values(state, config_hash)
    if due_at is not None:
        values["due_at"] = due_at
    return values


def write_health(conn: Connection, values: Sequence[dict[str, Any]]) -> None:
    """Write health rows (:func:`health_values`, in order): those stored updated, the others
    inserted. One source (a run stores each that brought items in a transaction of its
    own) is one UPDATE when its row is there, as it mostly is, else that UPDATE and an INSERT;
    several (the sources a held run commits together, the quiet ones) are one UPDATE run once
    per row on SQLite when every row is there, else a query finds those stored, then one
    statement updates them and one inserts the others."""
    if len(values) == 1:
        if not update_row(conn, sources, "name", values[0]):
            insert_rows(conn, sources, values)  # no row by that name (a source's first run)
        return
    merged: dict[str, dict[str, Any]] = {}
    for row in values:  # a source written twice: as the second write after the first
        merged[row["name"]] = {**merged[row["name"]], **row} if row["name"] in merged else row
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in merged.values():  # with a due time and without
        groups.setdefault(tuple(row), []).append(row)
    for group in groups.values():
        updated = conn.dialect.name in DIRECT
        if updated and update_rows(conn, sources, "name", group) == len(group):
            continue
        stored: set[str] = set()
        for chunk in chunks([v["name"] for v in group]):
            stored.update(conn.execute(select(sources.c.name).where(sources.c.name.in_(chunk))).scalars())
        known = [{**v, "b_name": v["name"]} for v in group if v["name"] in stored]
        if known and not updated:
            conn.execute(_update_one(tuple(k for k in group[0] if k != "name")), known)
        fresh = [v for v in group if v["name"] not in stored]
        if fresh:
            conn.execute(insert(sources), fresh)


@lru_cache(maxsize=8)
def _update_one(columns: tuple[str, ...]) -> Any:
    """The UPDATE of ``columns`` of the source ``:b_name`` (built once: a run writes one per
    source, and building it cost more than running it)."""
    return (
        update(sources)
        .where(sources.c.name == bindparam("b_name"))
        .values({k: bindparam(k) for k in columns})
    )
