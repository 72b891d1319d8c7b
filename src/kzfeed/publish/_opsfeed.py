"""The operator feed ``ops.atom``: one entry per source that keeps failing (``[ops] feed = true``).

An entry's id stays the same for one streak of failures (it is made from the source name and
its last success), and its ``updated`` time moves with each new failure, so a feed reader shows
a new problem once and then its updates. The same stored health renders the same bytes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from lxml import etree

from kzfeed.config import Config
from kzfeed.models import SourceState

__all__ = ["render_ops_atom"]

_ATOM = "http://www.w3.org/2005/Atom"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAMESPACE = uuid.UUID("5f1b8e0a-6d2c-5e4b-9a71-3c0d8e2f7b19")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{_ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _entry_id(state: SourceState) -> str:
    streak = state.last_ok.isoformat() if state.last_ok else "never"
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{state.name}|{streak}')}"


def _summary(state: SourceState, failing_after: int) -> str:
    lines = [
        f"Source {state.name!r} ({state.type or 'unknown type'}) has failed "
        f"{state.consecutive_failures} time(s) in a row (reported from {failing_after}).",
        f"Last error: {state.last_error or 'none recorded'}",
        f"Last success: {state.last_ok.isoformat() if state.last_ok else 'never'}",
    ]
    if state.paused:
        lines.append(f"The source is paused; after fixing it run 'kzfeed sources reset {state.name}'.")
    else:
        lines.append("Check its URL and options in kzfeed.toml, or disable it (enabled = false).")
    return "\n".join(lines)


def render_ops_atom(config: Config, failing: Sequence[SourceState]) -> bytes:
    """The operator feed (Atom 1.0) for ``failing`` sources, worst first."""
    root = etree.Element(f"{{{_ATOM}}}feed", nsmap={None: _ATOM})
    _sub(root, "id", f"urn:uuid:{uuid.uuid5(_NAMESPACE, 'kzfeed:ops:' + config.base_url)}")
    _sub(root, "title", f"{config.title}: sources that keep failing")
    stamps = [s.last_attempt or _EPOCH for s in failing]
    _sub(root, "updated", max(stamps, default=_EPOCH).isoformat())
    author = _sub(root, "author")
    _sub(author, "name", "kzfeed")
    _sub(root, "link", rel="self", href=f"{config.base_url}ops.atom")
    for state in failing:
        entry = _sub(root, "entry")
        _sub(entry, "id", _entry_id(state))
        paused = ", paused" if state.paused else ""
        _sub(entry, "title", f"{state.name}: {state.consecutive_failures} failures in a row{paused}")
        _sub(entry, "updated", (state.last_attempt or _EPOCH).isoformat())
        _sub(entry, "summary", _summary(state, config.ops.failing_after))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)  # type: ignore[no-any-return]
