"""Reads for rendering only what changed: every relevant item in outline (no text), then the
full items of the few stories that are rendered.

An outline is an ``Item`` with what story grouping and paging use (id, URL, story, dates,
topics and their scores) and empty text: at 100k items a few tens of megabytes, where the full
items (HTML, evidence, entities) took gigabytes.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Engine, func, select

from kzfeed.models import Classification, Item, TopicTag
from kzfeed.storage._base import StoreBase, chunks
from kzfeed.storage._itemrows import items_from_rows
from kzfeed.storage._schema import item_topics, items

__all__ = ["OutlinesMixin"]


class OutlinesMixin(StoreBase):
    """Reads of the renderer: items in outline, and full items by id."""

    def item_outlines(self) -> list[tuple[Item, datetime]]:
        """Every relevant item as an outline, with when it was last fetched changed, newest first."""
        return _outlines(self._engine)

    def items_by_id(self, ids: Collection[str]) -> dict[str, Item]:
        """The full stored items of ``ids`` (those that exist), by id."""
        found: dict[str, Item] = {}
        with self._engine.connect() as conn:
            for chunk in chunks(sorted(ids)):
                rows = conn.execute(select(items).where(items.c.id.in_(chunk))).mappings().all()
                found.update((i.id, i) for i in items_from_rows(conn, rows))
        return found


def _outlines(engine: Engine) -> list[tuple[Item, datetime]]:
    date = func.coalesce(items.c.updated, items.c.published, items.c.first_seen)
    query = (
        select(
            items.c.id,
            items.c.source,
            items.c.guid,
            items.c.url,
            items.c.story_id,
            items.c.lang,
            items.c.published,
            items.c.updated,
            items.c.first_seen,
            items.c.fetched_at,
        )
        .where(items.c.relevant)
        .order_by(date.desc(), items.c.id)
    )
    tags = (
        select(item_topics.c.item_id, item_topics.c.topic, item_topics.c.score)
        .join(items, items.c.id == item_topics.c.item_id)
        .where(items.c.relevant)
    )
    topics: dict[str, list[TopicTag]] = {}
    with engine.connect() as conn:
        for item_id, topic, score in conn.execute(tags):
            topics.setdefault(item_id, []).append(TopicTag(topic=topic, score=score))
        rows = conn.execute(query).all()
    return [
        (
            Item(
                id=r.id,
                source=r.source,
                guid=r.guid,
                title="",
                content_text="",
                content_html="",
                content_hash="",
                url=r.url,
                story_id=r.story_id,
                lang=r.lang,
                published=r.published,
                updated=r.updated,
                first_seen=r.first_seen,
                classification=Classification(
                    relevant=True,
                    relevance=0.0,
                    topics=tuple(sorted(topics.get(r.id, ()), key=lambda t: (-t.score, t.topic))),
                ),
            ),
            r.fetched_at,
        )
        for r in rows
    ]
