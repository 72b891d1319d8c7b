"""JSON Lines read one object a line, with errors that name the file and the line: the one
reader behind ``kzfeed classify --jsonl``, ``kzfeed eval`` and ``kzfeed eval --stories``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from kzfeed.errors import InputError

__all__ = ["json_objects"]


def json_objects(
    lines: Iterable[str], name: str, *, expected: str = "'title' and 'text'"
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line. Raises ``InputError`` as
    ``"<name>:<line>: not valid JSON (...)"`` at the first line that is not a JSON object
    (``expected`` names the fields such an object should have)."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}:{number}: not valid JSON ({exc.msg}); fix or remove the line") from exc
        if not isinstance(raw, dict):
            raise InputError(f"{name}:{number}: expected a JSON object with {expected}")
        yield number, raw
