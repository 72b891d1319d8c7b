"""Articles as JSON Lines (``id``, ``lang``, ``title``, ``text``, one object a line), read with
errors that name the file and the line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kzfeed.errors import InputError
from kzfeed.jsonlines import json_objects
from kzfeed.models import RawItem

__all__ = ["read_documents"]


def read_documents(lines: Iterable[str], name: str) -> Iterator[RawItem]:
    """Articles from JSON Lines: ``title`` and ``text`` (strings) are required, ``id`` and
    ``lang`` optional (``id`` is the article's guid). Raises ``InputError`` naming ``name`` and the line of a bad one."""
    for number, raw in json_objects(lines, name):
        for key in ("title", "text"):
            if not isinstance(raw.get(key), str):
                problem = "missing field" if key not in raw else "a string is needed in field"
                raise InputError(f"{name}:{number}: {problem} {key!r}")
        lang, doc_id = raw.get("lang"), raw.get("id")
        if lang is not None and not isinstance(lang, str):
            raise InputError(f"{name}:{number}: field 'lang' must be a string or null")
        if doc_id is not None and not isinstance(doc_id, str | int):
            raise InputError(f"{name}:{number}: field 'id' must be a string or a number")
        yield RawItem(
            guid="" if doc_id is None else str(doc_id), title=raw["title"], text=raw["text"], lang=lang
        )
