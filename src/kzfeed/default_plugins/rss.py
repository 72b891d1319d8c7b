"""The ``rss`` source type: an RSS 0.9x/1.0/2.0 or Atom feed (feedparser) or a JSON Feed 1.0/1.1, with the full text
of each article fetched from its page when the feed carries only a summary.

Example::

    [[sources]]
    name = "astana-times"
    type = "rss"
    url = "https://astanatimes.com/feed/"
    full_content = "auto"   # fetch the article page when an entry has only a summary
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any, ClassVar

from kzfeed.articles import parse_date
from kzfeed.default_plugins._feedparse import feedparser_module
from kzfeed.default_plugins._jsonfeed import looks_like_json, parse_json_feed
from kzfeed.default_plugins._web import fetch_article, fetch_main, html_paragraphs, html_to_text, reason
from kzfeed.errors import ConfigError, FetchError, InputError, SourceError
from kzfeed.hookspecs import hookimpl
from kzfeed.http import canonical_url
from kzfeed.models import RawItem
from kzfeed.sources import SourceContext, check_options

if TYPE_CHECKING:
    from kzfeed.http import FetchResult

_XML_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)["'][^"']*["']""")
_IMAGE = re.compile(r"\.(jpe?g|png|gif|webp)(\?|$)", re.I)
# an entry whose text is shorter than this is taken for a teaser, not the article
_SHORT_WORDS = 120


class RssSource:
    """Reads a feed; every entry becomes an item. A feed with errors that feedparser can still
    read is ingested with a warning; one it cannot read is a source error."""

    type_name: ClassVar[str] = "rss"
    options: ClassVar[dict[str, str]] = {
        "url": "address of the RSS, Atom or JSON feed (required)",
        "full_content": '"auto" (default): fetch the article page when an entry carries only a '
        "summary; true: always; false: never (keep the feed's text)",
        "max_items": "read at most this many entries per run, the first in the feed (default all)",
        "outlet": "outlet to record for the items (default: the feed's title)",
    }
    example_config: ClassVar[dict[str, Any]] = {"url": "https://astanatimes.com/feed/"}
    example_fixtures: ClassVar[dict[str, str]] = {"/feed/": "astanatimes/feed.xml"}

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        where = f"source {name!r}"
        check_options(
            where,
            options,
            {"url": str, "full_content": (str, bool), "max_items": int, "outlet": str},
            required=("url",),
        )
        self.name = name
        try:
            self.url = canonical_url(str(options["url"]))
        except InputError as exc:
            raise ConfigError(f"{where}: key 'url': {exc}") from exc
        full = options.get("full_content", "auto")
        if full not in ("auto", True, False):
            raise ConfigError(f"{where}: key 'full_content' must be \"auto\", true or false, not {full!r}")
        self.full_content: str | bool = full
        self.max_items: int | None = options.get("max_items")
        if self.max_items is not None and self.max_items < 1:
            raise ConfigError(f"{where}: key 'max_items' must be at least 1")
        self.outlet: str | None = options.get("outlet")

    def fetch(self, ctx: SourceContext) -> Iterator[RawItem]:
        result = fetch_main(ctx, self.url, check_robots=False)  # subscribed feeds: no robots.txt
        if result is None:
            return
        parsed = read_feed(result, self.name)
        if parsed.get("bozo"):
            problem = parsed.get("bozo_exception")
            ctx.warn(
                f"feed {result.url} has errors ({type(problem).__name__}: {problem}); "
                "ingested what could be read — tell the site if it lasts"
            )
        feed = parsed.get("feed", {})
        lang = _lang(feed.get("language"))
        outlet = self.outlet or _clean(feed.get("title"))
        entries = list(parsed.get("entries", []))[: self.max_items]
        # RSS has no updated date of its own: RSS 1.0's dc:date (feedparser's "updated") is when
        # the item was published
        rss = str(parsed.get("version", "")).startswith("rss")
        for entry in entries:
            item = self._item(
                entry, ctx, base=result.url, lang=_lang(entry.get("language")) or lang, outlet=outlet, rss=rss
            )
            if item is not None:
                yield item

    def _item(
        self, entry: Any, ctx: SourceContext, *, base: str, lang: str | None, outlet: str | None, rss: bool
    ) -> RawItem | None:
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
        html = content_html or summary_html or None
        categories = _categories(entry)
        image, enclosures = _enclosures(entry, base)
        author = _byline(entry)
        published = _date(entry, "published")
        updated = _date(entry, "updated")
        if rss and published is None:
            published, updated = updated, None
        page_lang = lang
        wants_page = self.full_content is True or (
            self.full_content == "auto" and (not content_html or len(text.split()) < _SHORT_WORDS)
        )
        if wants_page and link:
            if guid in ctx.known and not ctx.refetch:
                return None  # stored with its page already: not fetched again
            try:
                article = fetch_article(ctx, link)
            except (FetchError, InputError) as exc:
                ctx.warn(f"full text of {link} not fetched, the feed's text is kept: {reason(exc)}")
            else:
                paragraphs, text, html = list(article.paragraphs), article.text, None
                title = title or article.title
                author = author or article.author
                published = published or article.published
                image = image or article.image
                page_lang = article.lang or lang
        if enclosures:
            links = "".join(f'<li><a href="{u}">{u.rsplit("/", 1)[-1] or u}</a></li>' for u in enclosures)
            html = (html or "".join(f"<p>{escape(p)}</p>" for p in paragraphs)) + f"<ul>{links}</ul>"
        if not title:
            title = " ".join(text.split()[:12]) or link or guid
        return RawItem(
            guid=guid,
            title=title,
            paragraphs=tuple(paragraphs or (summary or title).split("\n\n")),  # summary: html_to_text's
            url=link,
            html=html,
            summary=summary,
            author=author,
            outlet=outlet,
            published=published,
            updated=updated,
            lang=page_lang,
            categories=categories,
            image=image,
        )


def _categories(entry: Any) -> tuple[str, ...]:
    """The entry's categories (tags), each once, in order."""
    found = dict.fromkeys(_clean(t.get("term")) for t in entry.get("tags") or [] if t.get("term"))
    return tuple(c for c in found if c)


def read_feed(result: FetchResult, source: str) -> Any:
    """The feed in ``result`` as feedparser gives it (``version``, ``feed``, ``entries``): RSS,
    Atom, or a JSON Feed read into the same shape. Raises ``SourceError`` when it is no feed."""
    decoded = result.text  # decoded on each access
    if looks_like_json(decoded):
        found = parse_json_feed(decoded)
        if found is None:
            raise SourceError(
                source, f"{result.url} is JSON but not a JSON Feed (no jsonfeed.org version); check the URL"
            )
        return found

    # decode_text copes with missing or wrong charsets (cp1251 labelled ISO-8859-1, ...);
    # feedparser then gets UTF-8 that says so
    text = _XML_ENCODING.sub(r'\1"utf-8"', decoded, count=1)
    parsed = feedparser_module().parse(
        text.encode("utf-8"),
        response_headers={"content-type": "application/xml; charset=utf-8", "content-location": result.url},
    )
    if not parsed.get("version") and not parsed.get("entries"):
        problem = parsed.get("bozo_exception")
        why = f" ({problem})" if problem else ""
        raise SourceError(
            source,
            f"{result.url} is not an RSS or Atom feed, nor a JSON Feed, that can be read{why}; check the URL in a browser",
        )
    return parsed


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


@hookimpl
def register_sources(register: Any) -> None:
    register("rss", RssSource)
