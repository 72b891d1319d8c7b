"""Decoding text files whatever their encoding (charset-normalizer for the non-UTF-8 ones)."""

from __future__ import annotations

import codecs
import re

from kzfeed.errors import InputError

__all__ = ["LEGACY_ENCODINGS", "decode_bytes", "unmarked_utf16_32"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# the legacy code pages of the beat's languages, most usual first (Western, Cyrillic, Kazakh,
# then Central European, Greek and Baltic)
LEGACY_ENCODINGS = (
    "cp1252", "cp1251", "iso8859-15", "iso8859-1", "kz1048", "koi8-r", "cp1250", "iso8859-2",
    "cp1253", "cp1257",
)  # fmt: skip
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


# which of the first four bytes are NUL -> the encoding, when the text starts with two
# ASCII characters (an XML, HTML or text document does: "<?xml", "<rss", "Title") and has
# no byte-order mark: XML 1.0 appendix F, "Detection Without External Encoding Information"
_NUL_PATTERNS = {
    (True, True, True, False): "utf-32-be",
    (False, True, True, True): "utf-32-le",
    (True, False, True, False): "utf-16-be",
    (False, True, False, True): "utf-16-le",
}


def unmarked_utf16_32(data: bytes) -> str | None:
    """The encoding of UTF-16 or UTF-32 text that has no byte-order mark, told by where its
    NUL bytes are (XML 1.0 appendix F); None for anything else, or when the whole text does
    not decode in that encoding."""
    if len(data) < 4:
        return None
    encoding = _NUL_PATTERNS.get((data[0] == 0, data[1] == 0, data[2] == 0, data[3] == 0))
    if encoding is None:
        return None
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return encoding


def _encoding_rank(encoding: str) -> int:
    name = codecs.lookup(encoding).name
    return LEGACY_ENCODINGS.index(name) if name in LEGACY_ENCODINGS else len(LEGACY_ENCODINGS)


def decode_bytes(data: bytes, *, name: str) -> tuple[str, str | None]:
    """Decode a text file; return ``(text, warning)``.

    UTF-8 (with or without BOM) gives no warning; other encodings (Latin-1, cp1252, cp1251,
    UTF-16/32 with or without BOM) are detected and decoded with a warning such as ``"<name>: not
    UTF-8, read as cp1252"``. Raise ``InputError`` for an empty file or binary data.
    """
    label = name or "input"
    empty = InputError(f"{label}: the file is empty; put the article text in it or remove it")
    binary = InputError(
        f"{label}: binary data, not text; give a plain-text article (UTF-8) or remove the file"
    )
    if not data.strip():
        raise empty
    encoding: str | None = None
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    elif bom := next((codec for mark, codec in _BOMS if data.startswith(mark)), None):
        encoding = bom
        try:
            text = data.decode(bom)
        except UnicodeDecodeError as exc:
            raise binary from exc
    elif unmarked := unmarked_utf16_32(data):
        encoding = unmarked
        text = data.decode(unmarked)
    elif b"\x00" in data:
        raise binary
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes  # lazy: only needed for non-UTF-8 files

            matches = list(from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)))
            if not matches:
                raise binary from None
            # short texts often fit several code pages equally well: prefer the usual one
            best = min(matches, key=lambda m: (m.chaos, -m.coherence, _encoding_rank(m.encoding)))
            text = str(best)
            # name the usual code page among those that read these bytes the same way
            encoding = codecs.lookup(
                min([best.encoding, *best.could_be_from_charset], key=_encoding_rank)
            ).name
    if len(_CONTROL_RE.findall(text)) > max(2, len(text) // 100):
        raise binary
    if not text.replace("\ufeff", "").strip():
        raise empty
    return text, (f"{label}: not UTF-8, read as {encoding}" if encoding else None)
