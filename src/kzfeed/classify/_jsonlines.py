"""Articles as JSON Lines (``id``, ``lang``, ``title``, ``text``, one object a line), read with
errors that name the file and the line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from kzfeed.errors import InputError
from kzfeed.models import Document

__all__ = ["json_objects", "read_documents"]


def json_objects(lines: Iterable[str], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line. Raises ``InputError`` as
    ``"<name>:<line>: not valid JSON (...)"`` at the first line that is not a JSON object."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}:{number}: not valid JSON ({exc.msg}); fix or remove the line") from exc
        if not isinstance(raw, dict):
            raise InputError(f"{name}:{number}: expected a JSON object with 'title' and 'text'")
        yield number, raw


def read_documents(lines: Iterable[str], name: str) -> Iterator[Document]:
    """Documents from JSON Lines: ``title`` and ``text`` (strings) are required, ``id`` and
    ``lang`` optional. Raises ``InputError`` naming ``name`` and the line of a bad one."""
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
        yield Document(
            title=raw["title"], text=raw["text"], lang=lang, id=None if doc_id is None else str(doc_id)
        )
