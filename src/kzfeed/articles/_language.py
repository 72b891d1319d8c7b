"""The language of an extracted article, detected where the language model is: the caller of
the extraction workers (which load only what extraction needs) imports this, not the extraction."""

from __future__ import annotations

from kzfeed.lang import detect_language
from kzfeed.models import RawItem

__all__ = ["with_language"]


def with_language(item: RawItem) -> RawItem:
    """``item`` with the language of its text (:func:`kzfeed.lang.detect_language`); its
    title and paragraphs, normalised when it was made, are kept as they are."""
    return item.changed(lang=detect_language(f"{item.title}\n{' '.join(item.paragraphs)}"))
