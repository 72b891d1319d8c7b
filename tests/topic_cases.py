"""What the topic tests read off a classification, and a short report classified in one call."""

from __future__ import annotations

from kzfeed.classify import KeywordClassifier
from kzfeed.models import Classification, Document


def topics(result: Classification) -> list[str]:
    """The topics tagged, best first (the first is the primary one)."""
    return [t.topic for t in result.topics]


def report(classifier: KeywordClassifier, title: str, text: str, lang: str) -> Classification:
    """Classify a headline and its text in the given language."""
    return classifier.classify(Document(title=title, text=text, lang=lang))
