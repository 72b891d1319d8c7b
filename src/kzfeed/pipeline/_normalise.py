"""Turning what a source yields (``RawItem``) into a stored ``Item``: ids, clean HTML, hashes.

The title and paragraphs arrive normalised (NFC, split once: ``kzfeed.plaintext``, when the
``RawItem`` was made); this module cuts them to what is stored and reads nothing again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import NamedTuple

from kzfeed.models import Item, RawItem, item_id_for
from kzfeed.plaintext import READ_AT_MOST, clean_text

__all__ = [
    "MAX_HTML",
    "MAX_SUMMARY",
    "MAX_TEXT",
    "MAX_TITLE",
    "clean_text",
    "content_hash",
    "item_key",
    "normalise",
]

_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
# what _SPACE changes besides a single space: a text without any (a normalised one: its spaces
# were folded when it was made) is left as it is, found by searches in C instead of a substitution
_SPACE_NOT_ONE = re.compile(r"[\t\u00a0\u2000-\u200b\u202f\u205f\u3000]")


class _Helpers(NamedTuple):
    author_name: Callable[[str | None], str | None]
    canonical_url: Callable[[str], str]
    paragraphs_to_html: Callable[[Sequence[str]], str]
    safe_url: Callable[[str], str | None]
    sanitize_html: Callable[..., str]
    summarize: Callable[[Sequence[str]], str]


@cache
def _helpers() -> _Helpers:
    """What normalising uses of ``kzfeed.articles`` and ``kzfeed.http``, imported on first use
    ('kzfeed --help' loads the plugins, which import this module's package), once: a ``from``
    import inside a function looks each name up again (importlib's ``_handle_fromlist``)."""
    from kzfeed.articles import author_name, paragraphs_to_html, safe_url, sanitize_html, summarize
    from kzfeed.http import canonical_url

    return _Helpers(
        author_name=author_name,
        canonical_url=canonical_url,
        paragraphs_to_html=paragraphs_to_html,
        safe_url=safe_url,
        sanitize_html=sanitize_html,
        summarize=summarize,
    )


def _clean_optional(value: str | None) -> str | None:
    return clean_text(value).strip() or None if value else value


#: what is stored of one item at most (characters); a real article is far smaller, and no
#: stored item may make a feed too large to render or to read
MAX_TEXT = READ_AT_MOST // 4
MAX_HTML = 500_000
MAX_SUMMARY = 5_000
MAX_TITLE = 1_000
# what xml:lang and Atom's schema accept (BCP 47's shape); anything else is detected instead
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_CUT_NOTE = "Cut by kzfeed: the article is longer than {limit:,} characters; the rest is at the source."


def _cut_line(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _cut_paragraphs(paragraphs: tuple[str, ...]) -> list[str]:
    """At most ``MAX_TEXT`` characters of paragraphs, and a last one saying so when cut."""
    kept, size = [], 0
    for para in paragraphs:
        if size + len(para) > MAX_TEXT:
            if MAX_TEXT - size > 200:  # part of a long paragraph rather than nothing
                kept.append(para[: MAX_TEXT - size].rsplit(" ", 1)[0] + " …")
            kept.append(f"[{_CUT_NOTE.format(limit=MAX_TEXT)}]")
            return kept
        kept.append(para)
        size += len(para) + 2
    return kept


def _stored_html(markup: str, base_url: str | None) -> str:
    """Sanitised HTML of at most about ``MAX_HTML`` characters, ending with a note when cut.
    Sanitising can make markup several times longer (every link gains its rel attribute),
    so the cut is made on the sanitised markup and sanitised again (which closes its tags)."""
    sanitize_html = _helpers().sanitize_html
    cut = len(markup) > 4 * MAX_HTML
    html = sanitize_html(markup[: 4 * MAX_HTML], base_url=base_url)
    if len(html) > MAX_HTML:
        cut = True
        end = html.rfind("<", 0, MAX_HTML)  # not inside a tag
        html = sanitize_html(html[: end if end > 0 else MAX_HTML])
    if cut:
        html += f"\n<p><em>{_CUT_NOTE.format(limit=MAX_HTML)}</em></p>"
    return html


def content_hash(title: str, text: str) -> str:
    """What decides whether an article changed: its title and text, spaces folded."""
    folded = f"{title}\n{text}"
    if "  " in folded or _SPACE_NOT_ONE.search(folded):
        folded = _SPACE.sub(" ", folded)
    folded = folded.strip()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def item_key(raw: RawItem, *, source: str, source_type: str, canonical: str | None) -> str:
    """The key the item id is made from: the canonical URL when there is one, so the same
    article is one item whichever source brings it; else the source's own guid."""
    return canonical or f"{source_type}:{source}:{raw.guid}"


def _canonical(url: str | None) -> str | None:
    if not url:
        return None
    return _helpers().canonical_url(url)


def normalise(
    raw: RawItem, *, source: str, source_type: str, detect: Callable[[str], str | None] | None = None
) -> Item:
    """Make an ``Item`` from a ``RawItem``: the article as it is stored (title and text cut to
    size, sanitised HTML, summary) with its canonical URL, stable id and content hash. The
    language is the source's; when it gave none (or no language tag), ``detect`` (when given)
    is asked with the title and text as stored, one line apart."""
    helpers = _helpers()
    title = _cut_line(_SPACE.sub(" ", raw.title).strip(), MAX_TITLE)
    paragraphs = _cut_paragraphs(raw.paragraphs)
    text = "\n\n".join(paragraphs)
    canonical = _canonical(raw.url)
    if raw.html:
        html = _stored_html(clean_text(raw.html), raw.url)
    else:
        html = helpers.paragraphs_to_html(paragraphs)
    summary = _cut_line(_clean_optional(raw.summary) or helpers.summarize(paragraphs), MAX_SUMMARY)
    lang = raw.lang if raw.lang and _LANGUAGE_TAG.fullmatch(raw.lang) else None
    if lang is None and detect is not None:
        lang = detect(f"{title}\n{text}")
    article = RawItem.kept(
        guid=raw.guid,
        title=title,
        text=text,
        paragraphs=tuple(paragraphs),
        url=raw.url,
        html=html,
        summary=summary,
        author=helpers.author_name(_clean_optional(raw.author)),
        outlet=_clean_optional(raw.outlet),
        published=raw.published,
        updated=raw.updated,
        lang=lang,
        categories=tuple(c for c in (_clean_optional(c) for c in raw.categories) if c),
        image=helpers.safe_url(raw.image) if raw.image else None,
        notes=raw.notes,
    )
    return Item(
        id=item_id_for(item_key(raw, source=source, source_type=source_type, canonical=canonical)),
        source=source,
        article=article,
        content_hash=content_hash(title, text),
        canonical_url=canonical,
    )
