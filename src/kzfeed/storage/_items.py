"""Items: storing what a source produced (with its health, in one transaction) and reading items
back for feeds, the CLI and re-classifying."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Select, bindparam, delete, func, or_, select, union_all, update

from kzfeed import clock
from kzfeed.errors import InputError
from kzfeed.models import Classification, Item, SourceRun, SourceState
from kzfeed.storage._base import StoreBase, at_commit, chunks
from kzfeed.storage._direct import insert_rows, select_rows
from kzfeed.storage._history import write_run_lines
from kzfeed.storage._httpcache import write_entries
from kzfeed.storage._itemrows import (
    classification_signature,
    classification_values,
    item_values,
    items_from_rows,
    write_classifications,
)
from kzfeed.storage._runrows import SaveCounts, run_source_values
from kzfeed.storage._schema import item_date, item_entities, item_topics, items
from kzfeed.storage._search import index_new_items
from kzfeed.storage._signals import SignalsRow, drop_signals, write_signals
from kzfeed.storage._sources import health_values, write_health
from kzfeed.storage._stories import merge_stories
from kzfeed.storage._storyrows import refresh_stories, stories_of

if TYPE_CHECKING:
    from kzfeed.models import CacheEntry

__all__ = ["ItemsMixin", "SaveCounts"]

_CHUNK = 500  # ids in one IN (...) list (``chunks``)


class ItemsMixin(StoreBase):
    """Reads and writes of items with their topics and entities."""

    def save_source(
        self,
        *,
        state: SourceState,
        config_hash: str,
        batch: Sequence[Item],
        ok: bool,
        now: datetime | None = None,
        validators: Mapping[str, CacheEntry] | None = None,
        merges: Mapping[str, str] | None = None,
        signals: Sequence[SignalsRow] = (),
        record: tuple[int, Callable[[SaveCounts], SourceRun]] | None = None,
        due_in: float | None = None,
    ) -> SaveCounts:
        """Store what one source produced, its health and the fetcher's ``validators`` for the
        URLs it fetched (ETag, Last-Modified, Retry-After), all in one transaction; with
        ``merges`` (``{absorbed story: survivor}``), the stored reports of stories the batch
        linked move to the surviving story in the same transaction. ``signals`` (item id,
        content hash, version, text) are the story signals of items of the batch, kept for
        those stored new. ``record`` (a run id, and the source's line of that run made from
        what was stored) and ``due_in`` (seconds until the source is due again) write the run's
        bookkeeping of the source in the same transaction (SQLite: under the run lock nobody
        else claims it), rather than in two more.

        A crash in the middle stores nothing of this source: the next run does it again, and
        never gets a 304 for items that were not stored.
        """
        now = now or clock.now()
        with self._engine.begin() as conn:
            if merges:
                merge_stories(conn, merges)
            counts = _save_items(conn, batch, now) if batch else SaveCounts()
            # the rows nothing reads before the run's held transaction commits (SQLite) are
            # written as it commits, each table's for all its sources at once (``at_commit``)
            at_commit(conn, write_signals, [row for row in signals if row[0] in counts.new_ids])
            due_at = None if due_in is None else clock.instant() + timedelta(seconds=max(due_in, 0.0))
            at_commit(conn, write_health, [health_values(state, config_hash, due_at=due_at)])
            if validators:
                write_entries(conn, validators)
            if record is not None:
                at_commit(conn, write_run_lines, [run_source_values(record[0], record[1](counts))])
        return counts

    def items(
        self,
        *,
        relevant: bool | None = True,
        topic: str | None = None,
        limit: int | None = None,
        source: str | None = None,
        entity: str | Collection[str] | None = None,
    ) -> list[Item]:
        """Stored items, newest first (by their date, then id, so the order is stable).

        ``entity``: only items that mention this entity (or any of these), by stored name, in any
        case."""
        return list(
            self.iter_items(relevant=relevant, topic=topic, limit=limit, source=source, entity=entity)
        )

    def iter_items(
        self,
        *,
        relevant: bool | None = True,
        topic: str | None = None,
        limit: int | None = None,
        source: str | None = None,
        entity: str | Collection[str] | None = None,
        batch: int = 500,
    ) -> Iterator[Item]:
        """The items of :meth:`items`, in the same order, read ``batch`` rows at a time: memory
        stays flat however many are stored (``kzfeed items``, ``kzfeed export``)."""
        query = _items_query(relevant=relevant, topic=topic, limit=limit, source=source, entity=entity)
        with self._engine.connect() as conn, conn.execution_options(yield_per=batch).execute(query) as result:
            for rows in result.mappings().partitions(batch):
                yield from items_from_rows(conn, rows)

    def topics(self) -> set[str]:
        """Every topic some stored item is tagged with."""
        with self._engine.connect() as conn:
            return set(conn.execute(select(item_topics.c.topic).distinct()).scalars())

    def get_item(self, id_or_prefix: str) -> Item:
        """One item by its id or a unique prefix of it (at least 4 characters)."""
        key = id_or_prefix.strip().lower()
        if len(key) < 4:
            raise InputError(f"item id {id_or_prefix!r} is too short; give at least 4 characters")
        with self._engine.connect() as conn:
            rows = conn.execute(select(items).where(items.c.id.like(f"{key}%")).limit(2)).mappings().all()
            if not rows:
                raise InputError(f"no item with id {id_or_prefix!r}; list them with 'kzfeed items --all'")
            if len(rows) > 1:
                raise InputError(f"item id {id_or_prefix!r} is ambiguous; give more characters")
            return items_from_rows(conn, rows)[0]

    def count_items(self) -> int:
        """How many items are stored, relevant or not."""
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(items)).scalar_one())

    def has_items(self) -> bool:
        """Whether any item is stored (one row read, however many there are)."""
        with self._engine.connect() as conn:
            return conn.execute(select(items.c.id).limit(1)).first() is not None

    def item_batches(self, size: int = 200) -> Iterator[list[Item]]:
        """Every stored item, relevant or not, in batches of ``size`` (by id, so that items
        updated between batches are neither skipped nor read twice)."""
        last = ""
        while True:
            query = select(items).where(items.c.id > last).order_by(items.c.id).limit(size)
            with self._engine.connect() as conn:
                batch = items_from_rows(conn, conn.execute(query).mappings().all())
            if not batch:
                return
            yield batch
            last = batch[-1].id

    def update_classifications(self, batch: Sequence[tuple[str, Classification]]) -> None:
        """Replace the stored classification (relevance, reason, evidence, topics, entities) of
        each ``(item id, classification)``, all in one transaction; the rest of the item stays."""
        with self._engine.begin() as conn:
            touched = stories_of(conn, [item_id for item_id, _ in batch])
            drop_signals(conn, [item_id for item_id, _ in batch])  # they name its entities and topics
            for item_id, c in batch:
                conn.execute(update(items).where(items.c.id == item_id).values(**classification_values(c)))
                conn.execute(delete(item_topics).where(item_topics.c.item_id == item_id))
                conn.execute(delete(item_entities).where(item_entities.c.item_id == item_id))
                write_classifications(conn, [(item_id, c)])
            refresh_stories(conn, touched)


def _items_query(
    *,
    relevant: bool | None,
    topic: str | None,
    limit: int | None,
    source: str | None,
    entity: str | Collection[str] | None,
) -> Select[Any]:
    # newest first, in the order of the indexes on the date (``ix_items_relevant_date`` when
    # ``relevant`` is given, else ``ix_items_date``): rows stream from the first, none sorted
    query = select(items).order_by(item_date.desc(), items.c.id)
    if relevant is not None:
        query = query.where(items.c.relevant == relevant)
    if topic is not None:
        query = query.where(items.c.id.in_(select(item_topics.c.item_id).where(item_topics.c.topic == topic)))
    if entity is not None:
        names = sorted({entity} if isinstance(entity, str) else set(entity))
        # SQLite's lower() folds ASCII only: the exact names match as given too
        named = or_(
            item_entities.c.name.in_(names),
            func.lower(item_entities.c.name).in_(sorted({name.lower() for name in names})),
        )
        query = query.where(items.c.id.in_(select(item_entities.c.item_id).where(named)))
    if source is not None:
        query = query.where(items.c.source == source)
    if limit is not None:
        query = query.limit(limit)
    return query


def _save_items(conn: Connection, batch: Sequence[Item], now: datetime) -> SaveCounts:
    # one query finds the stored ones, one statement inserts the new ones (with their tags):
    # the first run of a source stores all its items new
    found, guids = _stored_rows(conn, batch)
    fresh: dict[str, Item] = {}
    touched: set[str] = set()  # stories whose reports changed
    updated = unchanged = 0
    for item in batch:
        existing = found.get(item.id)
        if existing is None:
            if item.id in fresh:
                unchanged += 1  # the same article twice in one batch: the first is kept
            else:
                fresh[item.id] = item
            continue
        if existing["source"] != item.source:
            # The same article (same canonical URL) reached us through another source: the
            # first source keeps it; story clustering links the two.
            unchanged += 1
            continue
        if _unchanged(conn, existing, item):
            unchanged += 1
            continue
        conn.execute(update(items).where(items.c.id == item.id).values(fetched_at=now, **item_values(item)))
        drop_signals(conn, [item.id])  # worked out again from the item as it is now
        touched.update((existing["story_id"] or item.id, item.story_id or item.id))
        conn.execute(delete(item_topics).where(item_topics.c.item_id == item.id))
        conn.execute(delete(item_entities).where(item_entities.c.item_id == item.id))
        if item.classification is not None:
            write_classifications(conn, [(item.id, item.classification)])
        updated += 1
    taken = (
        {(i.source, i.guid) for i in fresh.values() if (i.source, i.guid) in guids}
        if guids is not None
        else _guids_taken(conn, list(fresh.values()))
    )
    for item_id in [i.id for i in fresh.values() if (i.source, i.guid) in taken]:
        del fresh[item_id]
        unchanged += 1
    if fresh:
        insert_rows(
            conn,
            items,
            [{"id": i.id, "first_seen": now, "fetched_at": now, **item_values(i)} for i in fresh.values()],
        )
        index_new_items(conn, list(fresh.values()))
        write_classifications(conn, [(i.id, i.classification) for i in fresh.values() if i.classification])
        touched.update(i.story_id or i.id for i in fresh.values())
    refresh_stories(conn, touched)
    return SaveCounts(
        new=len(fresh),
        updated=updated,
        unchanged=unchanged,
        guid_taken=tuple(g for _, g in sorted(taken)),
        new_ids=frozenset(fresh),
    )


_STORED_COLUMNS = (
    items.c.id,
    items.c.source,
    items.c.content_hash,
    items.c.relevant,
    items.c.relevance,
    items.c.title,
    items.c.published,
    items.c.updated,
    items.c.story_id,
    items.c.guid,
)
#: the stored rows of ``:ids`` (statements built once: building one costs more than running it)
_STORED = select(*_STORED_COLUMNS).where(items.c.id.in_(bindparam("ids", expanding=True)))
#: and those of ``:source`` with one of ``:guids``
_STORED_OR_GUIDS = union_all(
    _STORED,
    select(*_STORED_COLUMNS).where(
        items.c.source == bindparam("source"), items.c.guid.in_(bindparam("guids", expanding=True))
    ),
)


def _stored_rows(
    conn: Connection, batch: Sequence[Item]
) -> tuple[dict[str, Any], set[tuple[str, str]] | None]:
    """The stored rows of the batch's ids (what saving a batch compares), by id; for a batch of
    one source (as a run stores them), in the same statement the ``(source, guid)`` stored of
    its guids (see :func:`_guids_taken`), else None."""
    ids = [item.id for item in batch]
    sources = {item.source for item in batch}
    found: dict[str, Any] = {}
    if len(sources) == 1 and len(ids) <= _CHUNK:
        (source,) = sources
        bound = {"ids": ids, "source": source, "guids": sorted({item.guid for item in batch})}
        rows = (row._asdict() for row in select_rows(conn, _STORED_OR_GUIDS, bound))
        wanted, guids = set(ids), set()
        for row in rows:
            guids.add((row["source"], row["guid"]))
            if row["id"] in wanted:
                found[row["id"]] = row
        return found, guids
    for chunk in chunks(ids):
        found.update((row["id"], row) for row in conn.execute(_STORED, {"ids": list(chunk)}).mappings())
    return found, None


def _guids_taken(conn: Connection, fresh: Sequence[Item]) -> set[tuple[str, str]]:
    """``(source, guid)`` of the new items that the source already stored under another id
    (a link changed under the same guid): storing them would break the one-guid-per-source
    rule, so the stored item is kept."""
    taken: set[tuple[str, str]] = set()
    for source in {i.source for i in fresh}:
        guids = [i.guid for i in fresh if i.source == source]
        for chunk in chunks(guids, 500):
            query = select(items.c.guid).where(items.c.source == source, items.c.guid.in_(chunk))
            taken.update((source, guid) for (guid,) in conn.execute(query))
    return taken


def _unchanged(conn: Connection, existing: Any, item: Item) -> bool:
    c = item.classification
    return (
        existing["content_hash"] == item.content_hash
        and existing["title"] == item.title
        and existing["published"] == item.published
        and existing["updated"] == item.updated
        and c is not None
        and bool(existing["relevant"]) == c.relevant
        and round(existing["relevance"], 6) == round(c.relevance, 6)
        and classification_signature(conn, item.id)
        == tuple(sorted((t.topic, round(t.score, 6)) for t in c.topics))
    )
