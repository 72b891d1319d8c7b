"""Plain text as paragraphs: the one splitter every stage uses (cheap to import: no libraries)."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["split_paragraphs"]

# the spaces folded into one (no-break and the typographic ones included)
_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of plain text: blocks separated by blank lines, spaces folded."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    blocks = re.split(r"\n\s*\n", text)
    out = []
    for block in blocks:
        para = _SPACE.sub(" ", " ".join(line.strip() for line in block.split("\n"))).strip()
        if para:
            out.append(para)
    return out
