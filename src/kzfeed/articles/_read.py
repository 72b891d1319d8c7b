"""One article from bytes: a text, Markdown or HTML file, or a fetched page, as a ``RawItem`` (no guid: the source gives it one).

The ``files`` source and ``kzfeed classify`` read articles through here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kzfeed.charsets import decode_bytes
from kzfeed.errors import InputError

if TYPE_CHECKING:  # the files plugin imports this module when loaded, e.g. by 'kzfeed --help'
    from kzfeed.models import RawItem

__all__ = ["ARTICLE_SUFFIXES", "article_kind", "read_article", "sniff_kind"]

#: file suffix -> what the file holds
ARTICLE_SUFFIXES = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}


def article_kind(name: str, content_type: str = "") -> str:
    """``"text"``, ``"markdown"`` or ``"html"``: from a media type when given, else the suffix
    of ``name`` (plain text when it has none of the known ones)."""
    if content_type in ("text/html", "application/xhtml+xml"):
        return "html"
    if content_type == "text/markdown":
        return "markdown"
    if content_type.startswith("text/"):
        return "text"
    suffix = name[name.rfind(".") :].lower() if "." in name.rsplit("/", 1)[-1] else ""
    return ARTICLE_SUFFIXES.get(suffix, "text")


def sniff_kind(data: bytes) -> str:
    """What text with no name or media type holds (``kzfeed classify -``): HTML when it starts
    with a tag, Markdown when its first line is a ``#`` heading, else plain text."""
    start = data.lstrip()[:512].lower()
    if start.startswith(
        (b"<!doctype html", b"<html", b"<head", b"<body", b"<article", b"<p", b"<div", b"<h1")
    ):
        return "html"
    if start.startswith(b"# "):
        return "markdown"
    return "text"


def read_article(
    data: bytes | str, *, name: str, kind: str, url: str | None = None
) -> tuple[RawItem, str | None]:
    """Decode and clean one article; return it and a warning about its encoding (or ``None``).

    ``data`` is the bytes of a file, or the text of a fetched page (decoded by the fetcher,
    ``FetchResult.text``, which knows the declared charset). ``kind`` is ``"text"``,
    ``"markdown"`` or ``"html"``. Raises ``InputError`` naming ``name`` when there is no article
    in it (empty, binary, no headline, no body).
    """
    if isinstance(data, str):
        text, warning = data, None
        if not text.strip():
            raise InputError(f"{name}: the page is empty; check the URL")
    else:
        text, warning = decode_bytes(data, name=name)
    if kind == "html":
        from kzfeed.articles._extract import extract_article  # lazy: trafilatura is slow to import

        return extract_article(text, url=url, name=name), warning
    from kzfeed.articles._text import clean_text_article

    return clean_text_article(text, name=name, markdown=kind == "markdown"), warning
