"""Example classifier plugin: ``keywords``, but the EU side must be named in the title or the lead.

Stories that only bring the EU up further down (a Kazakh project story with an EU grant in the
last paragraph) stay out of the feeds. Choose it in kzfeed.toml; the other keys go to
``keywords``::

    [classifier]
    name = "lead_focus"
    threshold = 0.5
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from kzfeed import Classification, Classifier, Document, hookimpl

NAME = "lead_focus"


class LeadFocusClassifier:
    """Wraps another classifier and keeps its decision only when the EU side is up front."""

    name = NAME

    def __init__(self, inner: Classifier) -> None:
        self.inner = inner

    def classify(self, document: Document) -> Classification:
        result = self.inner.classify(document)
        up_front = any(e.term.startswith("eu:") and e.field in ("title", "lead") for e in result.evidence)
        if result.relevant and not up_front:
            return replace(
                result,
                relevant=False,
                reason="not relevant: the EU side is named only in the body, not in the title or lead",
                classifier=NAME,
            )
        return replace(result, classifier=NAME)


def _build(options: Mapping[str, Any]) -> Classifier:
    from kzfeed.classify import KeywordClassifier

    return LeadFocusClassifier(KeywordClassifier.from_options(options))


@hookimpl
def register_classifiers(register: Callable[[str, Callable[[Mapping[str, Any]], Classifier]], None]) -> None:
    register(NAME, _build)
