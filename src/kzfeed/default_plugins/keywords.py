"""The ``keywords`` classifier, kzfeed's default: multilingual term matching with evidence."""

from __future__ import annotations

from typing import Any

from kzfeed.hookspecs import hookimpl


@hookimpl
def register_classifiers(register: Any) -> None:
    from kzfeed.classify import KeywordClassifier

    register("keywords", KeywordClassifier.from_options)
