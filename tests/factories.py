"""Small builders of models for tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from kzfeed.models import Classification, Entity, Evidence, Item, RawItem, TopicTag
from kzfeed.pipeline._normalise import normalise


def make_item(
    guid: str = "a.txt",
    *,
    title: str = "Kazakhstan and the EU sign a raw materials deal",
    text: str = "Astana and Brussels agreed on lithium.\n\nThe deal covers rare earths.",
    source: str = "test",
    topics: tuple[str, ...] = ("raw_materials",),
    relevant: bool = True,
    published: datetime | None = None,
    first_seen: datetime | None = None,
    **raw: Any,
) -> Item:
    item = normalise(
        RawItem(guid=guid, title=title, text=text, published=published, **raw),
        source=source,
        source_type="files",
    )
    classification = Classification(
        relevant=relevant,
        relevance=0.9 if relevant else 0.1,
        topics=tuple(
            TopicTag(topic=t, score=0.8, evidence=(Evidence(term="lithium", field="body"),)) for t in topics
        ),
        entities=(Entity(name="European Union", kind="org", mentions=2),),
        reason="relevant: test" if relevant else "not relevant: test",
        classifier="test",
    )
    return replace(item, lang=raw.get("lang") or "en", classification=classification, first_seen=first_seen)
