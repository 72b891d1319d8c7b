"""``kzfeed items``/``export`` and ``prune`` read items by their date through an index (revision
``item_dates``), on a database that already held items when it was upgraded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import create_engine, event

from factories import make_item
from kzfeed.models import Item, SourceState
from kzfeed.storage import Store, alembic_config, open_store

WHEN = datetime(2026, 3, 1, tzinfo=UTC)


def _history() -> list[Item]:
    """Relevant and other items dated by their update, their publication or (neither) when they
    were first seen, several on the same instant (then ordered by id)."""
    found = []
    for n in range(36):
        published = None if n % 6 == 5 else WHEN - timedelta(days=n % 9)
        updated = WHEN + timedelta(hours=n % 4) if n % 7 == 3 else None
        found.append(
            make_item(
                f"{n}.txt", title=f"Item {n}", relevant=n % 3 != 0, published=published, updated=updated
            )
        )
    return found


@contextmanager
def _statements(store: Store) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(store._engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(store._engine, "before_cursor_execute", listen)


def _plan(store: Store, statement: str, parameters: Any) -> str:
    with store._engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            return " | ".join(str(row[-1]) for row in rows)
        # a table this small is read whole and sorted whatever the indexes; show what the server
        # does when it may not: without an index that gives the order, it still sorts
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_sort = off")
        return " | ".join(str(row[0]) for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))


def _reads(store: Store, action: Callable[[], object], marker: str) -> list[str]:
    """The plans of the statements that ``action`` sends and whose SQL contains ``marker``."""
    with _statements(store) as seen:
        action()
    plans = [_plan(store, sql, params) for sql, params in seen if marker in sql]
    assert plans, f"no statement with {marker!r}"
    return plans


def test_a_database_with_items_is_upgraded_and_items_and_prune_read_them_through_the_date_indexes(
    database_url: str,
) -> None:
    store = open_store(database_url)
    store.save_source(state=SourceState(name="s", type="files"), config_hash="x", batch=_history(), ok=True)
    store.close()
    engine = create_engine(database_url)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "render_inputs")  # before the indexes
    engine.dispose()
    store = open_store(database_url)  # upgrades, the items in place
    every = store.items(relevant=None)
    assert len(every) == 36

    def date(item: Item) -> datetime:
        return item.updated or item.published or item.first_seen  # type: ignore[return-value]

    newest_first = sorted(every, key=lambda i: (-date(i).timestamp(), i.id))
    assert [i.id for i in every] == [i.id for i in newest_first]  # the order users see is kept
    assert [i.id for i in store.items()] == [i.id for i in newest_first if i.relevant]
    cutoff = WHEN - timedelta(days=4)
    plan = store.plan_prune(cutoff)
    assert (plan.items, plan.kept_shown) == (
        sum(1 for i in every if date(i) < cutoff and not i.relevant),
        sum(1 for i in every if date(i) < cutoff and i.relevant),
    )
    assert [p.id for p in store.prunable_items(cutoff)] == [
        i.id for i in sorted(every, key=lambda i: (date(i), i.id)) if date(i) < cutoff and not i.relevant
    ]

    # the first item comes out without every stored item read and sorted before it
    def first(relevant: bool | None) -> Item:
        found = store.iter_items(relevant=relevant)
        try:
            return next(found)
        finally:
            found.close()

    listing = "ORDER BY coalesce"
    for relevant, index in ((True, "ix_items_relevant_date"), (None, "ix_items_date")):
        for found in _reads(store, lambda r=relevant: first(r), listing):
            assert index in found and "TEMP B-TREE" not in found and "Sort" not in found, found
    # prune counts a range of an index on the date, not every item
    for found in _reads(store, lambda: store.plan_prune(cutoff), "coalesce"):
        assert "_date" in found and "SCAN items" not in found and "Seq Scan" not in found, found
    store.close()
