"""What a classification says, for people (``--explain``) and for programs (one JSON object)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kzfeed.classify._topics import TAGGED, TOPIC_NOTE
from kzfeed.models import Classification, Evidence

__all__ = ["classification_record", "explain", "summary_lines", "topic_reasons"]

_VERDICTS = {
    "about": "tagged: the article develops it",
    "main": "tagged: its main topic, though the article develops it little",
    "spread": "tagged: a second topic, developed across the body",
    "own": "tagged: a second topic, with a paragraph of its own",
    "passing": "not tagged: mentioned only in passing",
    "sentence": "not tagged: mentioned only in passing: the body names it in one sentence{at}",
    "list": "not tagged: only named in a list of subjects",
    "weaker": "not tagged: far weaker than the main topic",
    "low": "not tagged: not developed enough",
    "generic": "not tagged: only general words point to it (such as training, visit, companies), beside a topic the report names in its own terms",
    "cut": "not tagged: the article has enough stronger topics",
    "context": "reads as a {topic} report, so it is left out of the feeds",
}


def _where(where: str, developed: int, body: int, body_seen: bool) -> str:
    places = [name for flag, name in (("t", "the headline"), ("l", "the lead")) if flag in where]
    said = " and ".join(places) if places else "not in the headline or the lead"
    if developed:
        return f"{said}; developed in {developed} of {body} paragraphs of the body"
    return f"{said}; {'no paragraph of the body develops it' if body_seen else 'no body'}"


def topic_reasons(classification: Classification) -> list[tuple[str, float, str, str]]:
    """``(topic, score, verdict, why)`` for every topic whose words were found, tagged ones first,
    from the notes the keywords classifier leaves in ``evidence`` (other classifiers leave none)."""
    out = []
    for e in classification.evidence:
        if not e.term.startswith(TOPIC_NOTE):
            continue
        # topic:verdict:where:developed/body, and for ``sentence`` the paragraph of that sentence
        topic, verdict, where, paragraphs, *at = e.term[len(TOPIC_NOTE) :].split(":")
        developed, body = (int(n) for n in paragraphs.split("/"))
        place = f", in paragraph {at[0]} of the body" if at else ""
        head = _VERDICTS.get(verdict, verdict).format(topic=topic, at=place)
        out.append((topic, e.weight, verdict, f"{head} ({_where(where, developed, body, body > 0)})"))
    out.sort(key=lambda r: (r[2] not in TAGGED, -r[1]))
    return out


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
            "relevance": [_evidence_dict(e) for e in c.evidence if not e.term.startswith(TOPIC_NOTE)],
            "topics": {t.topic: [_evidence_dict(e) for e in t.evidence] for t in c.topics},
            "why_topics": {topic: why for topic, _score, _verdict, why in topic_reasons(c)},
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
        (
            "topics",
            ", ".join(
                f"{t.topic} ({t.score:.2f}{', primary' if i == 0 else ''})" for i, t in enumerate(c.topics)
            )
            or "-",
        ),
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
    lines += _evidence_rows(e for e in c.evidence if not e.term.startswith(TOPIC_NOTE))
    reasons = {topic: why for topic, _score, _verdict, why in topic_reasons(c)}
    if not c.topics:
        lines.append("topics: none given substance")
    for i, tag in enumerate(c.topics):
        primary = " (primary)" if i == 0 else ""
        why = f" — {reasons[tag.topic]}" if tag.topic in reasons else ""
        lines.append(f"topic {tag.topic} {tag.score:.2f}{primary}{why}")
        lines += _evidence_rows(tag.evidence)
    tagged = {t.topic for t in c.topics}
    for topic, score, _verdict, why in topic_reasons(c):
        if topic not in tagged:
            lines.append(f"{topic} {score:.2f} — {why}")
    return "\n".join(lines)
