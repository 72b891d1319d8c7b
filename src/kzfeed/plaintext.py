"""Article text as kzfeed keeps it: the one place text is put in Unicode NFC and split into
paragraphs (cheap to import: no libraries).

``RawItem`` (``kzfeed.models``, the one article type) calls these when it is made; every later stage (normalising, classifying, grouping into stories, publishing)
reads their result and normalises nothing again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = ["READ_AT_MOST", "clean_text", "nfc", "normal_paragraphs", "split_paragraphs"]

#: paragraphs are read from at most this many characters of a text (four times what is stored
#: of one item): a hostile source's gigabyte of text costs no more than that
READ_AT_MOST = 800_000

# the spaces folded into one (no-break and the typographic ones included)
_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
# characters no XML document can carry (C0 controls but tab and newlines, lone surrogates,
# U+FFFE/FFFF) and C1 controls (cp1252 text read as Latin-1, which readers each map their own
# way): a site's garbage, removed before it is stored, so every feed shows the same rest
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BLANK_LINE = re.compile(r"\n\s*\n")


def clean_text(value: str) -> str:
    """``value`` without the characters a feed cannot carry."""
    return _NOT_XML.sub("", value)


def nfc(text: str) -> str:
    """``text`` in Unicode NFC (composed: "é" is one character however a site typed it)."""
    return unicodedata.normalize("NFC", text)


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text: blocks separated by blank lines, spaces folded, in NFC."""
    out = []
    for block in _BLANK_LINE.split(nfc(text.replace("\r\n", "\n").replace("\r", "\n"))):
        para = _SPACE.sub(" ", " ".join(line.strip() for line in block.split("\n"))).strip()
        if para:
            out.append(para)
    return out


def normal_paragraphs(*, text: str = "", paragraphs: Iterable[str] = ()) -> tuple[str, ...]:
    """An article's body as kzfeed keeps it: the characters a feed cannot carry removed, NFC,
    spaces folded, empty paragraphs dropped; from ``paragraphs`` when a reader made them (each
    stays one paragraph), else from the first ``READ_AT_MOST`` characters of ``text``."""
    given = tuple(paragraphs)
    if not given:
        return tuple(split_paragraphs(clean_text(text[:READ_AT_MOST])))
    out: list[str] = []
    for para in given:
        folded = _SPACE.sub(" ", nfc(clean_text(para)).replace("\n", " ")).strip()
        if folded:
            out.append(folded)
    return tuple(out)
