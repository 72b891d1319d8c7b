"""The topic vocabulary and what a classifier decides about an article."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "TOPICS",
    "TOPIC_LABELS",
    "Classification",
    "Entity",
    "Evidence",
    "Topic",
    "TopicTag",
    "topic_label",
]


class Topic(StrEnum):
    """The topic vocabulary of the beat. A feed is written for each."""

    RAW_MATERIALS = "raw_materials"
    ENERGY = "energy"
    TRANSPORT_LOGISTICS = "transport_logistics"
    TRADE_INVESTMENT = "trade_investment"
    POLITICAL_DIALOGUE = "political_dialogue"
    SECURITY = "security"
    EDUCATION_CULTURE = "education_culture"
    ENVIRONMENT_CLIMATE = "environment_climate"
    RULE_OF_LAW = "rule_of_law"


TOPICS: tuple[str, ...] = tuple(t.value for t in Topic)

#: how each topic is named for people (feed titles, category labels)
TOPIC_LABELS: dict[str, str] = {
    Topic.RAW_MATERIALS: "Critical raw materials",
    Topic.ENERGY: "Energy",
    Topic.TRANSPORT_LOGISTICS: "Transport and logistics",
    Topic.TRADE_INVESTMENT: "Trade and investment",
    Topic.POLITICAL_DIALOGUE: "Political dialogue",
    Topic.SECURITY: "Security",
    Topic.EDUCATION_CULTURE: "Education and culture",
    Topic.ENVIRONMENT_CLIMATE: "Environment and climate",
    Topic.RULE_OF_LAW: "Rule of law",
}


def topic_label(topic: str) -> str:
    """The human name of a topic; topics added by users get their slug, capitalised."""
    return TOPIC_LABELS.get(topic) or topic.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """Why a classifier decided something: the term matched and where it matched."""

    term: str
    field: str  # "title", "lead" or "body"
    count: int = 1
    weight: float = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicTag:
    """One topic given to an item, with its score and the evidence for it."""

    topic: str
    score: float
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Entity:
    """A person, organisation or place recognised in an item, under its normalised name."""

    name: str
    kind: str  # "person", "org", "place", "programme"
    mentions: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Classification:
    """A classifier's decision about one document."""

    relevant: bool
    relevance: float
    topics: tuple[TopicTag, ...] = ()
    entities: tuple[Entity, ...] = ()
    #: relevance evidence (the KZ side and the EU side that were found)
    evidence: tuple[Evidence, ...] = ()
    #: one line a person can read: why it is (not) relevant
    reason: str = ""
    lang: str | None = None
    classifier: str = ""
