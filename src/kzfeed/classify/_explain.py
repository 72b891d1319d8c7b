"""What a classification says, for people (``--explain``) and for programs (one JSON object)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kzfeed.models import Classification, Evidence

__all__ = ["classification_record", "explain", "summary_lines"]


def classification_record(
    document_id: str | None, classification: Classification, *, evidence: bool = False
) -> dict[str, Any]:
    """One line of ``kzfeed classify --jsonl``: ``id``, ``relevant``, ``relevance``, ``topics``,
    ``entities``; with ``evidence=True`` also ``lang``, ``reason`` and the evidence of each decision."""
    c = classification
    record: dict[str, Any] = {
        "id": document_id,
        "relevant": c.relevant,
        "relevance": round(c.relevance, 4),
        "topics": [t.topic for t in c.topics],
        "entities": [e.name for e in c.entities],
    }
    if evidence:
        record["lang"] = c.lang
        record["reason"] = c.reason
        record["evidence"] = {
            "relevance": [_evidence_dict(e) for e in c.evidence],
            "topics": {t.topic: [_evidence_dict(e) for e in t.evidence] for t in c.topics},
        }
    return record


def _evidence_dict(e: Evidence) -> dict[str, Any]:
    return {"term": e.term, "field": e.field, "count": e.count, "weight": e.weight}


def summary_lines(classification: Classification) -> list[tuple[str, str]]:
    """``(label, value)`` rows: relevance with its reason, language, topics, entities."""
    c = classification
    return [
        ("relevant", f"{'yes' if c.relevant else 'no'} — {c.reason}"),
        ("relevance", f"{c.relevance:.2f}"),
        ("language", c.lang or "-"),
        ("topics", ", ".join(f"{t.topic} ({t.score:.2f})" for t in c.topics) or "-"),
        ("entities", ", ".join(f"{e.name} ({e.mentions})" for e in c.entities) or "-"),
    ]


def _evidence_rows(evidence: Iterable[Evidence]) -> list[str]:
    rows = list(evidence)
    if not rows:
        return ["    (no evidence)"]
    width = max(len(e.term) for e in rows)
    return [f"    {e.term:<{width}}  {e.field:<5}  ×{e.count:<3} weight {e.weight:g}" for e in rows]


def explain(classification: Classification) -> str:
    """The evidence of every decision: the names behind the relevance score (``kz:``/``eu:``
    side, where they matched: title, lead or body, how often, their weight) and the terms
    behind each topic."""
    c = classification
    lines = [f"relevance {c.relevance:.2f}: {c.reason}"]
    lines += _evidence_rows(c.evidence)
    if not c.topics:
        lines.append("topics: none given substance")
    for tag in c.topics:
        lines.append(f"topic {tag.topic} {tag.score:.2f}")
        lines += _evidence_rows(tag.evidence)
    return "\n".join(lines)
