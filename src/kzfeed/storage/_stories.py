"""Reads and writes of story clustering: the keys of every stored item, and re-assigned stories."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice

from sqlalchemy import case, func, or_, select, update

from kzfeed.models import Item, StoryKey
from kzfeed.storage._base import StoreBase
from kzfeed.storage._itemrows import items_from_rows
from kzfeed.storage._schema import items
from kzfeed.storage._storyrows import refresh_stories, stories_of

__all__ = ["StoriesMixin"]


class StoriesMixin(StoreBase):
    """The story clustering keys of items and their stories."""

    def story_keys(self) -> list[StoryKey]:
        """The clustering keys of every stored item, in the order kzfeed first saw them."""
        query = select(
            items.c.id,
            items.c.story_id,
            items.c.guid,
            items.c.canonical_url,
            items.c.content_hash,
            items.c.simhash,
            items.c.published,
        ).order_by(items.c.first_seen, func.coalesce(items.c.published, items.c.first_seen), items.c.id)
        with self._engine.connect() as conn:
            return [
                StoryKey(
                    item_id=r.id,
                    story_id=r.story_id,
                    guid=r.guid,
                    canonical_url=r.canonical_url,
                    content_hash=r.content_hash,
                    simhash=r.simhash,
                    published=r.published,
                )
                for r in conn.execute(query)
            ]

    def story_reports(self, since: datetime, until: datetime) -> list[Item]:
        """The stored items published between ``since`` and ``until`` (with their
        classification), in the order kzfeed first saw them: the candidates a new report of the
        same event in another language is compared with."""
        query = (
            select(items)
            .where(items.c.published >= since, items.c.published <= until)
            .order_by(items.c.first_seen, items.c.published, items.c.id)
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

    def save_stories(self, assigned: Iterable[Item]) -> int:
        """Store the fingerprint and story of each item (``kzfeed stories --rebuild``), in one
        transaction, 500 items a statement batch; returns how many items changed story."""
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
        return changed


def _batches(values: Iterable[Item], size: int) -> Iterator[list[Item]]:
    it = iter(values)
    while batch := list(islice(it, size)):
        yield batch
