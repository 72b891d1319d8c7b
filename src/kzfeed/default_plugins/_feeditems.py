"""A feed's body read into the ``rss`` source's items: feedparser (or a JSON Feed), and each
entry's paragraphs, title, dates, links and enclosures. All of it is CPU, none of it needs the
run: :func:`parse_feed` takes the body's bytes and returns plain data, so that it can run in a
helper process (``ArticleExtractor.offload``) instead of holding the run's interpreter lock.

What needs the run stays with the source (``rss.py``): which entries are stored already, and
fetching an article page for an entry that carries only a summary (:func:`with_page`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

from kzfeed.articles import parse_date
from kzfeed.default_plugins._feedparse import feedparser_module
from kzfeed.default_plugins._jsonfeed import looks_like_json, parse_json_feed
from kzfeed.default_plugins._web import html_paragraphs, html_to_text
from kzfeed.errors import InputError
from kzfeed.http import canonical_url, decode_text
from kzfeed.models import RawItem

__all__ = ["FeedEntry", "NotAFeed", "ParsedFeed", "parse_feed", "read_feed_text", "ready", "with_page"]

_XML_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)["'][^"']*["']""")
_IMAGE = re.compile(r"\.(jpe?g|png|gif|webp)(\?|$)", re.I)
# an entry whose text is shorter than this is taken for a teaser, not the article
_SHORT_WORDS = 120


class NotAFeed(Exception):
    """The body is no feed that can be read; the message says why (the source's error)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedEntry:
    """One entry, read: ``item`` is what the source yields when it fetches no article page."""

    item: RawItem
    #: the entry's own title (``item.title`` falls back on the text's first words)
    title: str | None
    #: an article page is to be fetched for it (it has a link)
    wants_page: bool
    #: the entry's enclosures that are not its image, listed after its text
    enclosures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedFeed:
    """A feed's entries, read; or ``error``, why the body is no feed (picklable: plain data)."""

    entries: tuple[FeedEntry, ...] = ()
    #: the feed has errors that feedparser read past (a warning of the source's)
    warning: str | None = None
    error: str | None = None


def ready() -> None:
    """Does the one-time set-ups of :func:`parse_feed` (a helper process does them as it starts)."""
    feedparser_module()
    import lxml.html  # noqa: F401  (html_paragraphs imports it lazily)


def parse_feed(
    content: bytes,
    content_type: str | None,
    url: str,
    *,
    full_content: str | bool,
    max_items: int | None,
    outlet: str | None,
) -> ParsedFeed:
    """The entries of the feed in ``content`` (served from ``url``), as the ``rss`` source with
    these options reads them."""
    try:
        parsed = read_feed_text(decode_text(content, content_type), url)
    except NotAFeed as exc:
        return ParsedFeed(error=str(exc))
    warning = None
    if parsed.get("bozo"):
        problem = parsed.get("bozo_exception")
        warning = (
            f"feed {url} has errors ({type(problem).__name__}: {problem}); "
            "ingested what could be read — tell the site if it lasts"
        )
    feed = parsed.get("feed", {})
    lang = _lang(feed.get("language"))
    outlet = outlet or _clean(feed.get("title"))
    entries = list(parsed.get("entries", []))[:max_items]
    # RSS has no updated date of its own: RSS 1.0's dc:date (feedparser's "updated") is when
    # the item was published
    rss = str(parsed.get("version", "")).startswith("rss")
    read = tuple(
        _entry(
            entry, full_content, base=url, lang=_lang(entry.get("language")) or lang, outlet=outlet, rss=rss
        )
        for entry in entries
    )
    return ParsedFeed(entries=read, warning=warning)


def read_feed_text(decoded: str, url: str) -> Any:
    """The feed in ``decoded`` as feedparser gives it (``version``, ``feed``, ``entries``): RSS,
    Atom, or a JSON Feed read into the same shape. Raises ``NotAFeed`` when it is no feed."""
    if looks_like_json(decoded):
        found = parse_json_feed(decoded)
        if found is None:
            raise NotAFeed(f"{url} is JSON but not a JSON Feed (no jsonfeed.org version); check the URL")
        return found

    # decode_text copes with missing or wrong charsets (cp1251 labelled ISO-8859-1, ...);
    # feedparser then gets UTF-8 that says so
    text = _XML_ENCODING.sub(r'\1"utf-8"', decoded, count=1)
    parsed = feedparser_module().parse(
        text.encode("utf-8"),
        response_headers={"content-type": "application/xml; charset=utf-8", "content-location": url},
    )
    if not parsed.get("version") and not parsed.get("entries"):
        problem = parsed.get("bozo_exception")
        why = f" ({problem})" if problem else ""
        raise NotAFeed(
            f"{url} is not an RSS or Atom feed, nor a JSON Feed, that can be read{why}; check the URL in a browser"
        )
    return parsed


def _entry(
    entry: Any, full_content: str | bool, *, base: str, lang: str | None, outlet: str | None, rss: bool
) -> FeedEntry:
    link = _link(entry, base)
    summary_html = str(entry.get("summary") or "")
    content_html = max(
        (str(part.get("value") or "") for part in entry.get("content") or []), key=len, default=""
    )
    title = _clean(entry.get("title"))
    guid = str(entry.get("id") or link or hashlib.sha256(f"{title}{summary_html}".encode()).hexdigest())
    paragraphs = html_paragraphs(content_html or summary_html)
    text = "\n\n".join(paragraphs)
    summary = html_to_text(summary_html) if summary_html else None
    image, enclosures = _enclosures(entry, base)
    published = _date(entry, "published")
    updated = _date(entry, "updated")
    if rss and published is None:
        published, updated = updated, None
    wants_page = full_content is True or (
        full_content == "auto" and (not content_html or len(text.split()) < _SHORT_WORDS)
    )
    item = _item(
        paragraphs,
        text,
        content_html or summary_html or None,
        title=title,
        enclosures=enclosures,
        guid=guid,
        url=link,
        summary=summary,
        author=_byline(entry),
        outlet=outlet,
        published=published,
        updated=updated,
        lang=lang,
        categories=_categories(entry),
        image=image,
    )
    return FeedEntry(
        item=item, title=title, wants_page=wants_page and link is not None, enclosures=tuple(enclosures)
    )


def with_page(entry: FeedEntry, article: RawItem) -> RawItem:
    """The entry's item with the text of its article page (extracted): the feed's own title,
    author, date and image win over the page's."""
    fed = entry.item
    return _item(
        list(article.paragraphs),
        article.text,
        None,
        title=entry.title or article.title,
        enclosures=entry.enclosures,
        guid=fed.guid,
        url=fed.url,
        summary=fed.summary,
        author=fed.author or article.author,
        outlet=fed.outlet,
        published=fed.published or article.published,
        updated=fed.updated,
        lang=article.lang or fed.lang,
        categories=fed.categories,
        image=fed.image or article.image,
    )


def _item(
    paragraphs: list[str],
    text: str,
    html: str | None,
    *,
    title: str | None,
    enclosures: tuple[str, ...] | list[str],
    guid: str,
    url: str | None,
    summary: str | None,
    **fields: Any,
) -> RawItem:
    if enclosures:
        links = "".join(f'<li><a href="{u}">{u.rsplit("/", 1)[-1] or u}</a></li>' for u in enclosures)
        html = (html or "".join(f"<p>{escape(p)}</p>" for p in paragraphs)) + f"<ul>{links}</ul>"
    if not title:
        title = " ".join(text.split()[:12]) or url or guid
    return RawItem(
        guid=guid,
        title=title,
        paragraphs=tuple(paragraphs or (summary or title).split("\n\n")),  # summary: html_to_text's
        url=url,
        html=html,
        summary=summary,
        **fields,
    )


def _categories(entry: Any) -> tuple[str, ...]:
    """The entry's categories (tags), each once, in order."""
    found = dict.fromkeys(_clean(t.get("term")) for t in entry.get("tags") or [] if t.get("term"))
    return tuple(c for c in found if c)


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(html_to_text(value).split()) if "<" in value or "&" in value else " ".join(value.split())
    return value or None


def _byline(entry: Any) -> str | None:
    """The author's name from the raw ``author`` string (feedparser's own split cuts names and
    addresses in odd places, so the raw string is read here; see ``author_name``)."""
    raw = entry.get("author")
    if not isinstance(raw, str):
        return None
    # imported here: its module compiles the furniture patterns, and 'kzfeed --help' loads this plugin
    from kzfeed.articles import author_name

    return _clean(author_name(raw))


def _lang(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower().replace("_", "-").split("-")[0] or None


def _link(entry: Any, base: str) -> str | None:
    href = entry.get("link")
    if not href:
        for candidate in entry.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                href = candidate["href"]
                break
    if not href:
        return None
    try:
        return canonical_url(str(href), base=base)
    except InputError:
        return None


def _date(entry: Any, key: str) -> datetime | None:
    # dict.get: feedparser's own get() maps a missing updated_parsed to published_parsed
    parsed = dict.get(entry, f"{key}_parsed")
    if parsed is not None:
        return datetime(*tuple(parsed)[:6]).replace(tzinfo=UTC)
    raw = dict.get(entry, key)
    return parse_date(raw) if isinstance(raw, str) and raw.strip() else None


def _enclosures(entry: Any, base: str) -> tuple[str | None, list[str]]:
    """The entry's image (enclosure or media content) and its other enclosures' URLs."""
    image: str | None = None
    others: list[str] = []
    candidates = [*(entry.get("enclosures") or []), *(entry.get("media_content") or [])]
    for enc in candidates:
        href = enc.get("href") or enc.get("url")
        if not href:
            continue
        try:
            url = canonical_url(str(href), base=base)
        except InputError:
            continue
        kind = str(enc.get("type") or enc.get("medium") or "")
        if image is None and (kind.startswith("image") or _IMAGE.search(url)):
            image = url
        elif url not in others and not kind.startswith("image"):
            others.append(url)
    for thumb in entry.get("media_thumbnail") or []:
        if image is None and thumb.get("url"):
            image = str(thumb["url"])
    return image, others
