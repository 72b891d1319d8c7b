"""The keywords classifier: multilingual topic tagging and Kazakhstan–EU relevance, with evidence.

Public API::

    from kzfeed.classify import KeywordClassifier
    classifier = KeywordClassifier.from_options({"threshold": 0.5})
    classification = classifier.classify(Document(title=..., text=...))

``load_vocabulary`` and ``load_gazetteer`` return the packaged data (plus the user's additions)
for tools that want to show or check it. Language detection is :mod:`kzfeed.lang`.
"""

from kzfeed.classify._classifier import KeywordClassifier
from kzfeed.classify._evaluate import evaluate, load_labels
from kzfeed.classify._explain import classification_record, explain, summary_lines
from kzfeed.classify._gazetteer import Gazetteer, GazetteerEntry, load_gazetteer
from kzfeed.classify._jsonlines import read_documents
from kzfeed.classify._report import format_report, report_as_json
from kzfeed.classify._vocabulary import TopicVocabulary, Vocabulary, load_vocabulary

__all__ = [
    "Gazetteer",
    "GazetteerEntry",
    "KeywordClassifier",
    "TopicVocabulary",
    "Vocabulary",
    "classification_record",
    "evaluate",
    "explain",
    "format_report",
    "load_gazetteer",
    "load_labels",
    "load_vocabulary",
    "read_documents",
    "report_as_json",
    "summary_lines",
]
