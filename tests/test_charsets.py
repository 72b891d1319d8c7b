"""Decoding article files in any of the beat's encodings."""

from __future__ import annotations

import pytest

from kzfeed.charsets import decode_bytes
from kzfeed.errors import InputError

FRENCH = (
    "Le Kazakhstan et l'Union européenne renforcent leur coopération.\nLes échanges ont été très fructueux.\n"
)
RUSSIAN = "Казахстан и Европейский союз расширяют сотрудничество в сфере энергетики.\nСтороны обсудили поставки урана.\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [(FRENCH.encode(), FRENCH), (b"\xef\xbb\xbf" + FRENCH.encode(), FRENCH)],
)
def test_decode_utf8_without_warning(data: bytes, expected: str) -> None:
    assert decode_bytes(data, name="a.txt") == (expected, None)


@pytest.mark.parametrize(
    ("data", "expected", "encoding"),
    [
        (FRENCH.encode("latin-1"), FRENCH, "cp1252"),
        (
            ("Prix : 5 € — « accord »\n" + FRENCH).encode("cp1252"),
            "Prix : 5 € — « accord »\n" + FRENCH,
            "cp1252",
        ),
        (RUSSIAN.encode("cp1251"), RUSSIAN, "cp1251"),
        (FRENCH.encode("utf-16"), FRENCH, "utf-16"),
        (RUSSIAN.encode("utf-16"), RUSSIAN, "utf-16"),
    ],
)
def test_decode_other_encodings_with_warning(data: bytes, expected: str, encoding: str) -> None:
    text, warning = decode_bytes(data, name="a.txt")
    assert text == expected
    assert warning == f"a.txt: not UTF-8, read as {encoding}"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b" \n\t\r\n", "empty"),
        ("\n".encode("utf-16"), "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "binary"),
        (bytes(range(1, 32)) * 8, "binary"),
    ],
)
def test_decode_rejects_empty_and_binary(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=rf"^b\.dat: .*{message}.*;"):
        decode_bytes(data, name="b.dat")
