"""Extract the article from an HTML page (wraps trafilatura, imported lazily) as a ``RawItem`` (no guid: the source gives it one)."""

from __future__ import annotations

from copy import copy
from datetime import datetime
from functools import cache
from typing import Any

from kzfeed.articles._dates import find_date_line, parse_date
from kzfeed.articles._language import with_language
from kzfeed.articles._pagemeta import page_metadata
from kzfeed.articles._stopwords import share_stop_words
from kzfeed.articles._text import NO_DATE_NOTE, drop_furniture, sentence_case_headline
from kzfeed.errors import InputError
from kzfeed.models import RawItem

__all__ = ["extract_article", "extract_page", "with_language"]

_DATELINE_SCAN = 4  # lines of the extracted text searched for a dateline when metadata has none


def _text_or_none(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


#: a main text at least this long (characters) is kept as trafilatura's own algorithm found it;
#: a shorter one is extracted again with trafilatura's fallbacks (readability, justext)
FALLBACK_BELOW = 1000


@cache
def _options(precise: bool, fast: bool) -> Any:
    """trafilatura's options, made once (reading them from its configuration costs as much as
    a tenth of an extraction): text only, no comments or tables, favouring precision or not,
    with its fallback algorithms or without (``fast``)."""
    from trafilatura.settings import Extractor  # lazy: trafilatura is slow to import

    return Extractor(output_format="python", precision=precise, comments=False, tables=False, fast=fast)


def _main_text(tree: Any, url: str | None, *, precise: bool, fast: bool) -> str:
    """trafilatura's main text of the page (``tree`` is copied, not changed), favouring
    precision or not, with trafilatura's fallback algorithms (readability, then justext) or
    without (``fast``)."""
    import trafilatura

    share_stop_words()  # once: justext's stop words as a set per list, not per page
    options = copy(_options(precise, fast))  # this page's copy: trafilatura may change it
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")  # as trafilatura does
    document = trafilatura.bare_extraction(tree, url=url, options=options)
    text = getattr(document, "text", None)
    return text if isinstance(text, str) and text.strip() else ""


def _article_text(tree: Any, url: str | None) -> str:
    """The page's main text: favouring precision first, which leaves out more furniture; on a
    page laid out with tables (older sites, press offices) that leaves out the article too, so
    then without.

    Each is tried first with trafilatura's own algorithm alone. Its fallbacks cost about as
    much again on every page: readability runs in full only to be compared with the text
    already found, and it (or justext) replaces that text mostly where it is empty or short:
    where readability's is more than twice as long, where it has no paragraphs, or where it
    still holds page furniture. So a text of ``FALLBACK_BELOW`` characters or more is kept,
    and a shorter or empty one is extracted again with the fallbacks, as before; on the 516
    pages of ``benchmarks/bench_extract.py`` and ``tests/data`` the result is the same.
    """
    for precise in (True, False):
        text = _main_text(tree, url, precise=precise, fast=True)
        if len(text) >= FALLBACK_BELOW:
            return text
        if text := _main_text(tree, url, precise=precise, fast=False):
            return text
    return ""


def extract_article(html: str, *, url: str | None = None, name: str = "") -> RawItem:
    """Extract the article of an HTML page: headline, paragraphs and metadata.

    trafilatura finds the main text (favouring precision: navigation, ads, comments and
    related links are left out) and the metadata: title, author, date, site name (the
    ``outlet``) and main image. The date is read by :mod:`kzfeed.articles._dates`, so it is
    timezone-aware UTC; ``lang`` is detected from the text. Raise ``InputError`` when no
    article text can be extracted.
    """
    return with_language(extract_page(html, url=url, name=name))


def extract_page(html: str, *, url: str | None = None, name: str = "") -> RawItem:
    """:func:`extract_article` without the language, whose detection may need a language
    model that the extraction workers do not load (:func:`with_language` adds it where the
    model is)."""
    label = name or url or "page"
    if not html.strip():
        raise InputError(f"{label}: the page is empty; check the file or URL")
    from trafilatura import load_html  # lazy, as above

    tree = load_html(html)  # parsed once, for the metadata and for each text pass
    text = _article_text(tree, url) if tree is not None else ""
    if not text:
        raise InputError(f"{label}: no article text could be extracted; is this an article page?")
    found = page_metadata(tree, url)

    lines = [" ".join(line.split()) for line in text.split("\n")]
    title = _text_or_none(found.get("title"))
    paragraphs = drop_furniture(lines, title=title or "")
    if title is None and paragraphs and len(paragraphs[0].split()) <= 25:
        title, paragraphs = paragraphs[0], paragraphs[1:]
    if title is None:
        raise InputError(f"{label}: no headline found in the page; check that it is an article page")
    if not paragraphs:
        raise InputError(f"{label}: no article text could be extracted; is this an article page?")

    published: datetime | None = None
    if raw_date := _text_or_none(found.get("date")):
        published = parse_date(raw_date)
    if published is None:
        published = next(filter(None, (find_date_line(line) for line in lines[:_DATELINE_SCAN])), None)
    return RawItem(
        title=sentence_case_headline(title, paragraphs),
        paragraphs=tuple(paragraphs),
        published=published,
        outlet=_text_or_none(found.get("sitename")),
        author=_text_or_none(found.get("author")),
        image=_text_or_none(found.get("image")),
        notes=() if published else (NO_DATE_NOTE,),
    )
