"""Checks every feed test uses: the Atom RELAX NG schema and a feedparser round trip."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import feedparser
from lxml import etree

SCHEMAS = Path(__file__).resolve().parent / "schemas"


@cache
def _atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMAS / "atom.rng")))


def assert_valid_atom(data: bytes) -> None:
    """The document validates against the RFC 4287 RELAX NG schema."""
    schema = _atom_schema()
    doc = etree.fromstring(data)
    assert schema.validate(doc), schema.error_log.filter_from_errors()


def parse_feed(data: bytes) -> Any:
    """feedparser's view of the document; fails when feedparser finds it malformed."""
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0, f"feedparser: {parsed.get('bozo_exception')}"
    return parsed
