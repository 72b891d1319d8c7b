"""The built-in ``keywords`` classifier, registered through the same hook third-party plugins use."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kzfeed.hookspecs import hookimpl
from kzfeed.sources import Classifier

__all__ = ["register_classifiers"]


def _build(options: Mapping[str, Any]) -> Classifier:
    # imported here: building the classifier loads the vocabulary and the language model,
    # which a command that never classifies should not pay for
    from kzfeed.classify import KeywordClassifier

    return KeywordClassifier.from_options(options)


@hookimpl
def register_classifiers(register: Callable[[str, Callable[[Mapping[str, Any]], Classifier]], None]) -> None:
    """Register ``keywords``, the default classifier (see docs/classifier.md)."""
    register("keywords", _build)
