"""The topic head: a small logistic regression that decides, from the lexicon's figures for one
topic in one document, whether the document is about that topic.

The lexicon (``_topics.py``) weighs each topic's terms by field and by paragraph; the head reads
those figures (:data:`FEATURES`) and returns a probability. Its weights are fitted on the labelled
set by ``tests/data/classifier/train_head.py`` and shipped as ``topic_head.json``: a few dozen
numbers, read once when the classifier is built. docs/classifier.md explains the features.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files

__all__ = ["FEATURES", "TopicHead", "load_head"]

#: what the head reads about one topic in one document, in this order (``topic_features``)
FEATURES = (
    "log raw weight",  # log(1 + the topic's raw weight: field, paragraph cap, spread)
    "share of the strongest",  # raw weight / the strongest topic's
    "share of all topics",  # raw weight / the sum over topics
    "headline",  # 1 if the headline names it
    "lead",  # 1 if the lead names it
    "log head weight",  # log(1 + the weight of its terms in the headline and the lead)
    "paragraphs developing",  # share of the body's paragraphs that develop it
    "any paragraph develops",  # 1 if at least one does
    "listed share",  # share of its weight that comes from passing lists of topics
    "short report",  # 1 if the text has no body paragraph
    "short x log raw",  # short report times log raw weight
    "strongest",  # 1 if it is the strongest topic
)


@dataclass(frozen=True, slots=True)
class TopicHead:
    """``P(about | features) = 1 / (1 + e^-(bias + topic bias + weights · features))``."""

    weights: tuple[float, ...]
    bias: float
    #: a learnt shift per packaged topic (0 for a topic added from the config)
    topic_bias: Mapping[str, float]

    def probability(self, topic: str, features: tuple[float, ...]) -> float:
        z = self.bias + self.topic_bias.get(topic, 0.0)
        for w, x in zip(self.weights, features, strict=True):
            z += w * x
        if z < -30.0:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def as_json(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "weights": list(self.weights),
            "bias": self.bias,
            "topic_bias": dict(sorted(self.topic_bias.items())),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> TopicHead:
        if list(data.get("features", ())) != list(FEATURES):  # type: ignore[call-overload]
            raise ValueError("topic_head.json was fitted on other features: run train_head.py again")
        weights = tuple(float(w) for w in data["weights"])  # type: ignore[attr-defined]
        topic_bias = {str(k): float(v) for k, v in data["topic_bias"].items()}  # type: ignore[attr-defined]
        return cls(weights=weights, bias=float(data["bias"]), topic_bias=topic_bias)  # type: ignore[arg-type]


def load_head() -> TopicHead:
    """The packaged head (``topic_head.json``)."""
    source = files("kzfeed.classify").joinpath("topic_head.json").read_text(encoding="utf-8")
    return TopicHead.from_json(json.loads(source))


def topic_features(
    raw: float,
    strongest: float,
    total: float,
    title: bool,
    lead: bool,
    head_weight: float,
    developed: int,
    body_paragraphs: int,
    listed: float,
) -> tuple[float, ...]:
    """The :data:`FEATURES` of one topic in one document."""
    log_raw = math.log1p(raw)
    short = 0.0 if body_paragraphs else 1.0
    return (
        log_raw,
        raw / strongest if strongest > 0 else 0.0,
        raw / total if total > 0 else 0.0,
        1.0 if title else 0.0,
        1.0 if lead else 0.0,
        math.log1p(head_weight),
        developed / body_paragraphs if body_paragraphs else 0.0,
        1.0 if developed else 0.0,
        min(1.0, listed / raw) if raw > 0 else 0.0,
        short,
        short * log_raw,
        1.0 if raw >= strongest else 0.0,
    )
