"""Reads of the renderer: the stories of each feed from the ``stories`` and ``story_topics``
tables (``_storyrows``), each a bounded index range: the head of a feed is its newest
``feed_size`` stories by arrival, an archive page the ``feed_size`` stories at its position;
then the full items of the few stories rendered. Nothing here reads every stored item.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, delete, func, insert, or_, select, text

from kzfeed.models import Item
from kzfeed.storage._base import StoreBase, chunks
from kzfeed.storage._counts import count_stories
from kzfeed.storage._itemrows import SHOWN, WITHOUT_EVIDENCE, items_from_rows
from kzfeed.storage._schema import items, renders, stories, story_topics
from kzfeed.storage._storyrows import story_members

__all__ = ["ChangedItem", "HeadsMixin"]

#: the distinct topics in a few index lookups each (a loose index scan), not a pass over the index
_TOPICS = text(
    "WITH RECURSIVE t(topic) AS ("
    " SELECT min(topic) FROM story_topics"
    " UNION ALL"
    " SELECT (SELECT min(s.topic) FROM story_topics AS s WHERE s.topic > t.topic) FROM t"
    " WHERE t.topic IS NOT NULL"
    ") SELECT topic FROM t WHERE topic IS NOT NULL"
)

#: (id, url, relevant, fetched_at) of an item written since some time
ChangedItem = tuple[str, str | None, bool, datetime]


class HeadsMixin(StoreBase):
    """The stories of the feeds, page by page, and the items to render."""

    def feed_topics(self) -> list[str]:
        """Every topic of some story in the feeds, sorted."""
        with self._engine.connect() as conn:
            return [str(t) for t in conn.execute(_TOPICS).scalars()]

    def count_stories(self, topic: str | None = None) -> int:
        """How many stories the overall feed (or the feed of ``topic``) holds, archives
        included: from a checkpoint, counting the stories after it (``_counts``)."""
        return count_stories(self._engine, topic)

    def stories_by_arrival(
        self, topic: str | None = None, *, limit: int, offset: int = 0, newest_first: bool = False
    ) -> list[str]:
        """Story ids of the overall feed (or of ``topic``'s) in the order kzfeed first saw the
        stories (then by date, then id), from ``offset`` on; ``newest_first``: from the last."""
        if topic is None:
            order: list[Any] = [stories.c.arrived, stories.c.date, stories.c.id]
            query = select(stories.c.id)
        else:
            order = [story_topics.c.arrived, story_topics.c.date, story_topics.c.story_id]
            query = select(story_topics.c.story_id).where(story_topics.c.topic == topic)
        if newest_first:
            order = [column.desc() for column in order]
        with self._engine.connect() as conn:
            return list(conn.execute(query.order_by(*order).limit(limit).offset(offset)).scalars())

    def newest_stories(
        self, limit: int, *, after: tuple[str, datetime] | None = None, min_reports: int = 1
    ) -> list[tuple[str, datetime]]:
        """``(story id, its lead's date)``, newest first (then by id): ``kzfeed stories`` page
        by page, each page from where the last ended (``after``: the last pair of the page before), a range of the
        index on ``(date, id)`` however deep the page (``min_reports``: only stories with that
        many reports)."""
        query = select(stories.c.id, stories.c.date).order_by(stories.c.date.desc(), stories.c.id)
        if after is not None:
            key, date = after
            query = query.where(or_(stories.c.date < date, and_(stories.c.date == date, stories.c.id > key)))
        if min_reports > 1:
            query = query.where(stories.c.reports >= min_reports)
        with self._engine.connect() as conn:
            return [(r.id, r.date) for r in conn.execute(query.limit(limit))]

    def stories_by_latest(self, limit: int, *, offset: int = 0) -> list[tuple[str, datetime]]:
        """``(story id, newest date of its reports)``, newest first."""
        query = select(stories.c.id, stories.c.latest).order_by(stories.c.latest.desc(), stories.c.id)
        with self._engine.connect() as conn:
            return [(r.id, r.latest) for r in conn.execute(query.limit(limit).offset(offset))]

    def latest_date(self) -> datetime | None:
        """The newest date of any report in the feeds (what an empty feed says it was updated)."""
        with self._engine.connect() as conn:
            value: datetime | None = conn.execute(select(func.max(stories.c.latest))).scalar_one()
            return value

    def items_of_stories(self, story_ids: Collection[str], *, shown_only: bool = False) -> list[Item]:
        """The relevant items of the stories ``story_ids``, in full but for the classifier's
        evidence (feeds, pages and story signals show none of it); ``shown_only``: nor their
        plain text and named entities (what the renderer reads: no feed or page shows them)."""
        return _read_items(self._engine, story_ids, by_story=True, shown_only=shown_only)

    def items_by_id(self, ids: Collection[str]) -> dict[str, Item]:
        """The stored items of ``ids`` (those that exist), by id, in full but for the
        classifier's evidence (as :meth:`items_of_stories`)."""
        return {i.id: i for i in _read_items(self._engine, ids, by_story=False)}

    def item_links(self, batch: int = 2000) -> Iterator[tuple[str, str | None]]:
        """``(id, url)`` of every relevant item, read ``batch`` rows at a time (no text)."""
        query = select(items.c.id, items.c.url).where(items.c.relevant)
        with self._engine.connect() as conn:
            for rows in conn.execution_options(yield_per=batch).execute(query).partitions(batch):
                yield from ((r.id, r.url) for r in rows)

    def item_links_of(self, ids: Collection[str]) -> dict[str, str | None]:
        """``{id: url}`` of the relevant items among ``ids``."""
        found: dict[str, str | None] = {}
        with self._engine.connect() as conn:
            for chunk in chunks(sorted(set(ids))):
                query = select(items.c.id, items.c.url).where(items.c.id.in_(chunk), items.c.relevant)
                found.update((r.id, r.url) for r in conn.execute(query))
        return found

    def stories_among(self, ids: Collection[str]) -> set[str]:
        """The ids among ``ids`` that are stories of the feeds."""
        found: set[str] = set()
        with self._engine.connect() as conn:
            for chunk in chunks(sorted(set(ids))):
                found.update(conn.execute(select(stories.c.id).where(stories.c.id.in_(chunk))).scalars())
        return found

    def items_changed_since(self, since: datetime) -> list[ChangedItem]:
        """``(id, url, relevant, fetched_at)`` of every item stored or changed since ``since``."""
        query = select(items.c.id, items.c.url, items.c.relevant, items.c.fetched_at).where(
            items.c.fetched_at >= since
        )
        with self._engine.connect() as conn:
            return [(r.id, r.url, bool(r.relevant), r.fetched_at) for r in conn.execute(query)]

    def last_render(self, output_dir: str, renderer: str) -> datetime | None:
        """When the last complete render of ``output_dir`` by ``renderer`` started (None: never)."""
        query = select(renders.c.started).where(
            renders.c.output_dir == output_dir, renders.c.renderer == renderer
        )
        with self._engine.connect() as conn:
            value: datetime | None = conn.execute(query).scalar_one_or_none()
            return value

    def mark_render(self, output_dir: str, renderer: str, started: datetime) -> None:
        """Record that a render of ``output_dir`` by ``renderer`` that started at ``started`` is
        complete."""
        with self._engine.begin() as conn:
            conn.execute(delete(renders).where(renders.c.output_dir == output_dir))
            conn.execute(insert(renders).values(output_dir=output_dir, started=started, renderer=renderer))


def _read_items(
    engine: Engine, keys: Collection[str], *, by_story: bool, shown_only: bool = False
) -> list[Item]:
    found: list[Item] = []
    columns = SHOWN if shown_only else WITHOUT_EVIDENCE
    with engine.connect() as conn:
        for chunk in chunks(sorted(set(keys))):
            where = story_members(chunk) if by_story else items.c.id.in_(chunk)
            rows = conn.execute(select(*columns).where(where)).mappings().all()
            found += items_from_rows(conn, rows, evidence=False, entities=not shown_only)
    return found
