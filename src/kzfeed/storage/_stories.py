"""Reads and writes of story clustering: the story keys of the stored items around a batch, the
reports published around it, merged stories, and re-assigned stories."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from itertools import islice
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, bindparam, case, or_, select, union_all, update

from kzfeed.models import Item, StoryKey
from kzfeed.storage._base import StoreBase, chunks
from kzfeed.storage._direct import select_rows
from kzfeed.storage._itemrows import items_from_rows
from kzfeed.storage._records import Arrived
from kzfeed.storage._schema import items
from kzfeed.storage._storyrows import refresh_stories, stories_of

__all__ = ["Arrived", "StoriesMixin", "merge_stories"]

Span = tuple[datetime, datetime]
_MASK = (1 << 64) - 1  # fingerprints are stored signed (a SQL BIGINT); compared unsigned


_KEY_COLUMNS = (
    items.c.id,
    items.c.story_id,
    items.c.guid,
    items.c.canonical_url,
    items.c.content_hash,
    items.c.simhash,
    items.c.published,
    items.c.first_seen,
)


class StoriesMixin(StoreBase):
    """The story clustering keys of items and their stories."""

    def story_keys(
        self,
        *,
        ids: Sequence[str] = (),
        hashes: Sequence[str] = (),
        urls: Sequence[str] = (),
        guids: Sequence[str] = (),
        spans: Sequence[Span] = (),
        arrived: Arrived | None = None,
        undated: bool = False,
        near: Sequence[int] = (),
        near_bits: int = 0,
    ) -> list[StoryKey]:
        """The clustering keys of the stored items with one of these ids, content hashes,
        canonical URLs or guids, and of those published within one of ``spans`` (or, with no
        date, first seen within one), in the order kzfeed first saw them (which story is older
        decides which survives a merge). Each read uses an index: the cost follows the batch,
        not what is stored. For ``kzfeed stories --rebuild``: with ``arrived``, only the items
        it has; with ``undated``, also every item without a date that has a fingerprint; with
        ``near``, also every item whose fingerprint is within ``near_bits`` bits of one of
        these (a scan of every fingerprint, streamed; the keys kept are the near ones)."""
        conditions: list[_Condition] = []
        for column, values in (
            ("id", ids),
            ("content_hash", hashes),
            ("canonical_url", urls),
            ("guid", guids),
        ):
            conditions.extend((column, len(chunk), list(chunk)) for chunk in chunks(sorted(set(values))))
        for span in spans:
            conditions += [("published", 2, span), ("first_seen", 2, span)]
        if undated:
            conditions.append(("undated", 0, None))
        found: dict[str, tuple[datetime, datetime, str, StoryKey]] = {}
        with self._engine.connect() as conn:
            # each condition an indexed SELECT of its own (an OR of them may scan), sent a few
            # at once as one UNION ALL: a run asks this for every source that brings news (each
            # shape of statement is built once: building it cost more than running it)
            for group in _groups(conditions):
                statement = _keys_statement(tuple(kind for kind, _, _ in group), arrived is not None)
                for r in select_rows(conn, statement, _bound(group, arrived)):
                    _keep_key(found, r, arrived)
            if near:
                prints = [p & _MASK for p in near]
                first = arrived.first_seen if arrived is not None else None
                query = select(*_KEY_COLUMNS).where(_done(items.c.simhash.is_not(None), first))
                for rows in conn.execution_options(yield_per=5000).execute(query).partitions():
                    for r in rows:
                        if any(((r.simhash & _MASK) ^ p).bit_count() <= near_bits for p in prints):
                            _keep_key(found, r, arrived)
        return [entry[3] for entry in sorted(found.values(), key=lambda e: e[:3])]

    def story_reports(self, spans: Sequence[Span], *, arrived: Arrived | None = None) -> list[Item]:
        """The stored items published within one of ``spans`` (with their classification), in
        the order kzfeed first saw them: the candidates a new report of the same event in
        another language is compared with; with ``arrived``, only the items it has."""
        found: dict[str, Item] = {}
        with self._engine.connect() as conn:
            for since, until in spans:
                query = select(items).where(items.c.published >= since, items.c.published <= until)
                if arrived is not None:
                    query = query.where(items.c.first_seen <= arrived.first_seen)
                for item in items_from_rows(conn, conn.execute(query).mappings().all()):
                    if arrived is None or (
                        item.first_seen is not None and arrived.has(item.first_seen, item.id)
                    ):
                        found.setdefault(item.id, item)

        def seen(item: Item) -> tuple[float, float, str]:
            first = item.first_seen.timestamp() if item.first_seen else 0.0
            return (first, item.published.timestamp() if item.published else 0.0, item.id)

        return sorted(found.values(), key=seen)

    def story_items(self, story_id: str) -> list[Item]:
        """Every stored report of the story ``story_id`` (relevant or not), by index."""
        query = select(items).where(
            (items.c.story_id == story_id) | ((items.c.id == story_id) & items.c.story_id.is_(None))
        )
        with self._engine.connect() as conn:
            return items_from_rows(conn, conn.execute(query).mappings().all())

    def items_by_arrival(self, batch: int = 500) -> Iterator[list[Item]]:
        """Every stored item, relevant or not, in the order stories are made again: first seen,
        those that started a story before those that joined one, then first published, then
        id; ``batch`` items at a time (``kzfeed stories --rebuild``)."""
        joined = case((or_(items.c.story_id.is_(None), items.c.story_id == items.c.id), 0), else_=1)
        undated = case((items.c.published.is_(None), 1), else_=0)
        query = select(items).order_by(items.c.first_seen, joined, undated, items.c.published, items.c.id)
        with self._engine.connect() as conn:
            for rows in conn.execution_options(yield_per=batch).execute(query).mappings().partitions(batch):
                yield items_from_rows(conn, rows)

    def save_stories(self, assigned: Iterable[Item], *, merges: Mapping[str, str] | None = None) -> int:
        """Store the fingerprint and story of each item (``kzfeed stories --rebuild``), and move
        the reports of ``merges`` (``{absorbed story: survivor}``), in one transaction; returns
        how many items changed story."""
        changed = 0
        with self._engine.begin() as conn:
            for batch in _batches(assigned, 500):
                before = stories_of(conn, [item.id for item in batch])
                moved = set()
                for item in batch:
                    result = conn.execute(
                        update(items)
                        .where(items.c.id == item.id)
                        .where(
                            (items.c.story_id.is_distinct_from(item.story_id))
                            | (items.c.simhash.is_distinct_from(item.simhash))
                        )
                        .values(story_id=item.story_id, simhash=item.simhash)
                    )
                    if result.rowcount:
                        changed += result.rowcount
                        moved.add(item.story_id or item.id)
                if moved:
                    refresh_stories(conn, before | moved)
            if merges:
                changed += merge_stories(conn, merges)
        return changed


_PARAMETERS = 900  # bound values in one statement (SQLite before 3.32 takes at most 999)


#: one condition of ``story_keys``: its kind (a column whose value is one of a list, or
#: ``published``/``first_seen`` within a span, or ``undated``), its number of bound values, and
#: its values (the list, or the span)
_Condition = tuple[str, int, Any]


def _groups(conditions: Sequence[_Condition]) -> Iterator[list[_Condition]]:
    """``conditions`` a few at a time, each group with at most ``_PARAMETERS`` bound values."""
    group: list[_Condition] = []
    size = 0
    for condition in conditions:
        count = condition[1] + 2  # and ``_done``'s first seen (``Arrived``)
        if group and size + count > _PARAMETERS:
            yield group
            group, size = [], 0
        group.append(condition)
        size += count
    if group:
        yield group


def _bound(group: Sequence[_Condition], arrived: Arrived | None) -> dict[str, Any]:
    """The bound values of :func:`_keys_statement` for ``group``."""
    bound: dict[str, Any] = {} if arrived is None else {"arrived": arrived.first_seen}
    for n, (kind, _, values) in enumerate(group):
        if kind in ("published", "first_seen"):
            bound[f"since{n}"], bound[f"until{n}"] = values
        elif kind != "undated":
            bound[f"v{n}"] = values
    return bound


@lru_cache(maxsize=256)
def _keys_statement(kinds: tuple[str, ...], arrived: bool) -> Any:
    """The UNION ALL of one indexed SELECT of the story keys per condition of the ``kinds``
    (see ``_Condition``), its values bound by place (``v0``, ``since1``, ...); with
    ``arrived``, of the items first seen no later than ``:arrived``."""
    selects = []
    for n, kind in enumerate(kinds):
        column = items.c["published" if kind == "undated" else kind]
        since, until = bindparam(f"since{n}", type_=column.type), bindparam(f"until{n}", type_=column.type)
        if kind == "published":
            condition = and_(items.c.published >= since, items.c.published <= until)
        elif kind == "first_seen":
            condition = and_(
                items.c.published.is_(None), items.c.first_seen >= since, items.c.first_seen <= until
            )
        elif kind == "undated":
            condition = and_(items.c.published.is_(None), items.c.simhash.is_not(None))
        else:
            condition = column.in_(bindparam(f"v{n}", type_=column.type, expanding=True))
        selects.append(
            select(*_KEY_COLUMNS).where(
                _done(condition, bindparam("arrived", type_=items.c.first_seen.type) if arrived else None)
            )
        )
    return selects[0] if len(selects) == 1 else union_all(*selects)


def _done(condition: ColumnElement[bool], arrived: Any) -> ColumnElement[bool]:
    """``condition``, and first seen no later than ``arrived`` (a time, or its bound value)."""
    return condition if arrived is None else and_(condition, items.c.first_seen <= arrived)


def _keep_key(
    found: dict[str, tuple[datetime, datetime, str, StoryKey]], r: Any, arrived: Arrived | None
) -> None:
    """Add the story key of row ``r`` to ``found`` (by id, with what sorts it by arrival)."""
    if r.id in found or (arrived is not None and not arrived.has(r.first_seen, r.id)):
        return
    key = StoryKey(
        item_id=r.id,
        story_id=r.story_id,
        guid=r.guid,
        canonical_url=r.canonical_url,
        content_hash=r.content_hash,
        simhash=r.simhash,
        published=r.published,
        first_seen=r.first_seen,
    )
    found[r.id] = (r.first_seen, r.published or r.first_seen, r.id, key)


def merge_stories(conn: Connection, merges: Mapping[str, str]) -> int:
    """Move the stored reports of each merged story into the story it was merged into
    (``{absorbed: survivor}``), in the caller's transaction; returns how many items moved."""
    moved = 0
    for absorbed, survivor in sorted(merges.items()):
        if absorbed == survivor:
            continue
        result = conn.execute(
            update(items)
            .where((items.c.story_id == absorbed) | ((items.c.id == absorbed) & items.c.story_id.is_(None)))
            .values(story_id=survivor)
        )
        moved += result.rowcount
    refresh_stories(conn, {*merges, *merges.values()})
    return moved


def _batches(values: Iterable[Item], size: int) -> Iterator[list[Item]]:
    it = iter(values)
    while batch := list(islice(it, size)):
        yield batch
