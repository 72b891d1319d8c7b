"""Items between rows and models: the ``items``, ``item_topics`` and ``item_entities`` rows of an
:class:`~kzfeed.models.Item` and back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, select

from kzfeed.models import Classification, Entity, Evidence, Item, RawItem, TopicTag
from kzfeed.storage._base import chunks
from kzfeed.storage._direct import insert_rows
from kzfeed.storage._schema import item_entities, item_topics, items

__all__ = [
    "WITHOUT_EVIDENCE",
    "classification_signature",
    "classification_values",
    "item_values",
    "items_from_rows",
    "write_classifications",
]


def _evidence_json(evidence: Iterable[Evidence]) -> str:
    """``json.dumps`` of the evidence as a list of objects (``ensure_ascii=False``), each
    object's text made once a process: most of what a run stores repeats (the same term,
    field, count and weight in many items' relevance and topics), and encoding them again
    cost a first run of 2,000 items ~0.1 s."""
    parts = []
    for e in evidence:
        key = (e.term, e.field, e.count, e.weight)
        part = _EVIDENCE.get(key)
        if part is None or type(e.count) is not int or type(e.weight) is not float:
            # (1 == 1.0 == True: a count or weight of another type is encoded as it is)
            part = _encode({"term": e.term, "field": e.field, "count": e.count, "weight": e.weight})
            if type(e.count) is int and type(e.weight) is float:
                if len(_EVIDENCE) >= _EVIDENCE_KEPT:
                    _EVIDENCE.clear()
                _EVIDENCE[key] = part
        parts.append(part)
    return "[" + ", ".join(parts) + "]"  # json.dumps' separators


_encode = json.JSONEncoder(ensure_ascii=False).encode
#: the JSON text of each evidence encoded, by its fields (at most ``_EVIDENCE_KEPT``)
_EVIDENCE: dict[tuple[str, str, int, float], str] = {}
_EVIDENCE_KEPT = 50_000


def _evidence_from_json(text: str) -> tuple[Evidence, ...]:
    try:
        raw = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(
        Evidence(
            term=e["term"], field=e["field"], count=int(e.get("count", 1)), weight=float(e.get("weight", 1))
        )
        for e in raw
    )


def item_values(item: Item) -> dict[str, Any]:
    """The ``items`` columns of ``item`` (all but ``id``, ``first_seen`` and ``fetched_at``)."""
    c = item.classification or Classification(relevant=False, relevance=0.0, reason="not classified")
    return {
        "source": item.source,
        "guid": item.guid,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "title": item.title,
        "author": item.author,
        "outlet": item.outlet,
        "published": item.published,
        "updated": item.updated,
        "lang": item.lang,
        "summary": item.summary,
        "content_text": item.content_text,
        "content_html": item.content_html,
        "content_hash": item.content_hash,
        "categories": json.dumps(list(item.categories), ensure_ascii=False),
        "image": item.image,
        "simhash": item.simhash,
        "story_id": item.story_id,
        **classification_values(c),
    }


def classification_values(c: Classification) -> dict[str, Any]:
    """The ``items`` columns that hold a classification (topics and entities have their tables)."""
    return {
        "relevant": c.relevant,
        "relevance": c.relevance,
        "reason": c.reason,
        "classifier": c.classifier,
        "relevance_evidence": _evidence_json(c.evidence),
    }


def classification_signature(conn: Connection, item_id: str) -> tuple[Any, ...]:
    """The stored ``(topic, score)`` pairs of an item, to tell whether a new classification differs."""
    topics = conn.execute(
        select(item_topics.c.topic, item_topics.c.score).where(item_topics.c.item_id == item_id)
    ).all()
    return tuple(sorted((t, round(s, 6)) for t, s in topics))


def write_classifications(conn: Connection, batch: Sequence[tuple[str, Classification]]) -> None:
    """The topic and entity rows of several items, one statement per table."""
    topic_rows = [
        {"item_id": item_id, "topic": t.topic, "score": t.score, "evidence": _evidence_json(t.evidence)}
        for item_id, c in batch
        for t in c.topics
    ]
    entity_rows = []
    for item_id, c in batch:
        entities: dict[str, Entity] = {}
        for e in c.entities:
            entities.setdefault(e.name[:200], e)
        entity_rows += [
            {"item_id": item_id, "name": name, "kind": e.kind, "mentions": e.mentions}
            for name, e in entities.items()
        ]
    insert_rows(conn, item_topics, topic_rows)
    insert_rows(conn, item_entities, entity_rows)


#: the ``items`` columns but the relevance's evidence (see :func:`items_from_rows`)
WITHOUT_EVIDENCE = tuple(c for c in items.c if c.name != "relevance_evidence")
#: nor the plain text (what feeds and pages show: ``items_from_rows(..., entities=False)``)
SHOWN = tuple(c for c in WITHOUT_EVIDENCE if c.name != "content_text")


def items_from_rows(
    conn: Connection, rows: Sequence[Any], *, evidence: bool = True, entities: bool = True
) -> list[Item]:
    """Items from their ``items`` rows, with their topics and entities read in a few queries.
    ``evidence=False`` (rows of :data:`WITHOUT_EVIDENCE`): without the classifier's evidence
    (the terms behind the relevance and each topic), which only ``show --explain`` and
    reclassifying read; parsed, it weighs more than the item's text. ``entities=False`` (rows
    of :data:`SHOWN`, the renderer's): without named entities or plain text."""
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    topics: dict[str, list[TopicTag]] = {i: [] for i in ids}
    named: dict[str, list[Entity]] = {i: [] for i in ids}
    columns = [item_topics.c.item_id, item_topics.c.topic, item_topics.c.score]
    if evidence:
        columns.append(item_topics.c.evidence)
    for chunk in chunks(ids):
        for t in conn.execute(select(*columns).where(item_topics.c.item_id.in_(chunk))).mappings():
            found = _evidence_from_json(t["evidence"]) if evidence else ()
            topics[t["item_id"]].append(TopicTag(topic=t["topic"], score=t["score"], evidence=found))
        query = select(item_entities).where(item_entities.c.item_id.in_(chunk))
        for e in conn.execute(query).mappings() if entities else ():
            named[e["item_id"]].append(Entity(name=e["name"], kind=e["kind"], mentions=e["mentions"]))
    return [_item_from_row(r, topics[r["id"]], named[r["id"]], evidence=evidence) for r in rows]


def _item_from_row(r: Any, topics: list[TopicTag], entities: list[Entity], *, evidence: bool) -> Item:
    classification = Classification(
        relevant=bool(r["relevant"]),
        relevance=float(r["relevance"]),
        topics=tuple(sorted(topics, key=lambda t: (-t.score, t.topic))),
        entities=tuple(sorted(entities, key=lambda e: (-e.mentions, e.name))),
        evidence=_evidence_from_json(r["relevance_evidence"]) if evidence else (),
        reason=r["reason"],
        lang=r["lang"],
        classifier=r["classifier"],
    )
    article = RawItem.kept(
        guid=r["guid"],
        title=r["title"],
        text=r.get("content_text", ""),  # not in rows of SHOWN
        html=r["content_html"],
        url=r["url"],
        summary=r["summary"],
        author=r["author"],
        outlet=r["outlet"],
        published=r["published"],
        updated=r["updated"],
        lang=r["lang"],
        categories=tuple(json.loads(r["categories"] or "[]")),
        image=r["image"],
    )
    return Item(
        id=r["id"],
        source=r["source"],
        article=article,
        content_hash=r["content_hash"],
        canonical_url=r["canonical_url"],
        first_seen=r["first_seen"],
        simhash=r["simhash"],
        story_id=r["story_id"],
        classification=classification,
    )
