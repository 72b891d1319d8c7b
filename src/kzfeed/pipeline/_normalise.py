"""Turning what a source yields (``RawItem``) into a stored ``Item``: ids, clean text, hashes."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from kzfeed.models import Item, RawItem, item_id_for

__all__ = ["clean_text", "content_hash", "item_key", "normalise", "split_paragraphs"]

_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
# characters no XML document can carry (C0 controls but tab and newlines, lone surrogates,
# U+FFFE/FFFF) and C1 controls (cp1252 text read as Latin-1, which readers each map their own
# way): a site's garbage, removed before it is stored, so every feed shows the same rest
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """``value`` without the characters a feed cannot carry."""
    return _NOT_XML.sub("", value)


def _clean_optional(value: str | None) -> str | None:
    return clean_text(value).strip() or None if value else value


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


def content_hash(title: str, text: str) -> str:
    """What decides whether an article changed: its title and text, spaces folded."""
    folded = _SPACE.sub(" ", f"{title}\n{text}").strip()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def item_key(raw: RawItem, *, source: str, source_type: str, canonical: str | None) -> str:
    """The key the item id is made from: the canonical URL when there is one, so the same
    article is one item whichever source brings it; else the source's own guid."""
    return canonical or f"{source_type}:{source}:{raw.guid}"


def _canonical(url: str | None) -> str | None:
    if not url:
        return None
    from kzfeed.http import canonical_url

    return canonical_url(url)


def normalise(raw: RawItem, *, source: str, source_type: str) -> Item:
    """Make an ``Item`` from a ``RawItem``: canonical URL, stable id, sanitised HTML, summary,
    content hash. The language is left as the source gave it (detected later if missing)."""
    # imported here: the plugins import split_paragraphs, and 'kzfeed --help' loads them
    from kzfeed.articles import paragraphs_to_html, safe_url, sanitize_html, summarize

    title = _SPACE.sub(" ", unicodedata.normalize("NFC", clean_text(raw.title))).strip()
    paragraphs = split_paragraphs(clean_text(raw.text))
    text = "\n\n".join(paragraphs)
    canonical = _canonical(raw.url)
    if raw.html:
        html = sanitize_html(raw.html, base_url=raw.url)
    else:
        html = paragraphs_to_html(paragraphs)
    summary = _clean_optional(raw.summary) or summarize(paragraphs)
    return Item(
        id=item_id_for(item_key(raw, source=source, source_type=source_type, canonical=canonical)),
        source=source,
        guid=raw.guid,
        title=title,
        content_text=text,
        content_html=html,
        content_hash=content_hash(title, text),
        url=raw.url,
        canonical_url=canonical,
        summary=summary,
        author=_clean_optional(raw.author),
        outlet=_clean_optional(raw.outlet),
        published=raw.published,
        updated=raw.updated,
        lang=raw.lang,
        categories=tuple(c for c in (_clean_optional(c) for c in raw.categories) if c),
        image=safe_url(raw.image) if raw.image else None,
    )
