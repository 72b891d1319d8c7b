"""Decoding an HTTP body as text: the one charset decoder of fetched pages and feeds.

A byte-order mark wins, then UTF-16/32 without one, then UTF-8; anything else is checked
against detection (charset-normalizer), so a missing or wrong declaration still gives text.
"""

from __future__ import annotations

import codecs
import encodings
import re
from encodings.aliases import aliases as _codec_aliases

from kzfeed.charsets import unmarked_utf16_32

__all__ = ["decode_text"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DOCUMENT_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)""", re.I
)
# encodings of the beat's sites (Kazakh, Russian, EU languages), preferred in this order when
# detection finds several that read the bytes equally well
_LIKELY = (
    "utf_8", "cp1251", "cp1252", "latin_1", "koi8_r", "kz1048", "iso8859_5", "mac_cyrillic",
    "iso8859_15", "cp1250", "iso8859_2",
)  # fmt: skip


_UTF_16_32 = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le"]


def decode_text(content: bytes, content_type: str | None = None) -> str:
    """Decode an HTTP body as text.

    A byte-order mark wins; UTF-16/32 without one is told by where its NUL bytes are (XML 1.0
    appendix F); UTF-8 (declared or not, with at most 1 % stray bytes) is taken as
    is. Otherwise the charset declared in ``content_type`` (or, without one, in a ``<meta>``
    or ``<?xml?>`` declaration) is checked against detection (charset-normalizer): it is used
    when it reads the bytes as well as the best detected encoding, else the detected one is,
    so a missing or wrong declaration (cp1251 served as ISO-8859-1, say) gives correct text.
    """
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content.decode(encoding, errors="replace")
    if unmarked := unmarked_utf16_32(content):  # UTF-16/32 without a BOM is all "ASCII" bytes
        return content.decode(unmarked, errors="replace")
    if content.isascii():
        return content.decode("ascii")
    declared = _codec_name(_charset_param(content_type)) or _codec_name(_document_charset(content))
    if declared in (None, "utf_8"):
        text = content.decode("utf-8", errors="replace")
        bad = text.count("\ufffd")
        non_ascii = len(text) - len(text.encode("ascii", errors="ignore")) - bad
        # a few stray bytes in a UTF-8 page must not make the whole page mojibake
        if bad * 100 <= non_ascii:
            return text
        declared = None
    from charset_normalizer import from_bytes  # late: only non-UTF-8 bodies need it

    candidates = ([declared] if declared else []) + [e for e in _LIKELY if e != declared]
    matches = list(from_bytes(content, cp_isolation=candidates))
    if not matches:  # not a language of the beat; UTF-16/32 without a BOM is too easily "found"
        matches = list(from_bytes(content, cp_exclusion=_UTF_16_32))
    if not matches:
        return content.decode(declared or "utf-8", errors="replace")

    def preference(encoding: str) -> int:
        return candidates.index(encoding) if encoding in candidates else len(candidates)

    best = min(matches, key=lambda m: (round(m.chaos, 2), preference(m.encoding)))
    return str(best)


def _charset_param(content_type: str | None) -> str | None:
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _document_charset(content: bytes) -> str | None:
    match = _DOCUMENT_CHARSET.search(content[:2048])
    if match is None:
        return None
    return (match.group(1) or match.group(2)).decode("ascii", errors="replace")


def _codec_name(label: str | None) -> str | None:
    """Python's codec name for a charset label, in charset-normalizer's spelling (``"cp1251"``)."""
    if not label:
        return None
    name = encodings.normalize_encoding(label.lower())
    name = _codec_aliases.get(name, name)
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    # as browsers do (WHATWG): pages labelled ISO-8859-1 or ASCII are really windows-1252
    return "cp1252" if name in ("latin_1", "ascii") else name
