"""Finding the feed of a site: the address itself, the feeds its page announces
(``<link rel="alternate">``), then the paths where sites commonly serve one (``/feed``, ...).
``kzfeed sources add`` and ``kzfeed sources check`` use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from kzfeed.articles import COMMON_FEED_PATHS, feed_links
from kzfeed.default_plugins._web import html_to_text, reason
from kzfeed.default_plugins.rss import read_feed
from kzfeed.errors import FetchError, InputError, SourceError
from kzfeed.http import Fetcher, FetchResult, canonical_url
from kzfeed.models import RawItem

__all__ = ["FoundFeed", "find_feed"]

_FORMATS = {
    "rss20": "RSS 2.0",
    "rss10": "RSS 1.0",
    "rss090": "RSS 0.90",
    "rss091u": "RSS 0.91",
    "rss091n": "RSS 0.91",
    "rss092": "RSS 0.92",
    "rss093": "RSS 0.93",
    "rss094": "RSS 0.94",
    "atom10": "Atom 1.0",
    "atom03": "Atom 0.3",
    "json1": "JSON Feed 1.0",
    "json11": "JSON Feed 1.1",
}
_SOURCE = "discovery"


@dataclass(frozen=True, slots=True, kw_only=True)
class FoundFeed:
    """A feed found for an address, and what it holds."""

    #: the feed's own address, to subscribe to
    url: str
    #: how it was found, for people: "the address is a feed", "announced by the page", ...
    how: str
    title: str | None
    #: "RSS 2.0", "Atom 1.0", "JSON Feed 1.1", ...
    format: str
    #: the entries, as a classifier reads them
    entries: tuple[RawItem, ...]


def find_feed(fetcher: Fetcher, url: str) -> FoundFeed:
    """The feed for ``url`` (a feed, a page that announces one, or a site with one at a common
    path). Raises ``InputError`` saying what was tried when there is none."""
    try:
        url = canonical_url(url if "://" in url else f"https://{url}")
    except InputError as exc:
        raise InputError(f"{url!r} is not a web address: {exc}") from exc
    try:
        first = fetcher.get(url, source=_SOURCE, force=True)
    except FetchError as exc:
        why = reason(exc).removesuffix(", kzfeed retries on a later run")
        raise InputError(f"{url} cannot be fetched: {why}; check the address in a browser") from exc
    found = _as_feed(first, "the address is a feed")
    if found is not None:
        return found
    tried = {url, first.url}
    for candidate, how in _candidates(first):
        if candidate in tried:
            continue
        tried.add(candidate)
        try:
            result = fetcher.get(candidate, source=_SOURCE, force=True)
        except FetchError:
            continue
        found = _as_feed(result, how)
        if found is not None:
            return found
    paths = ", ".join(COMMON_FEED_PATHS)
    raise InputError(
        f"no feed found for {url}: the page announces none and none of {paths} is a feed; "
        'give the feed\'s address, or add the site as type = "html" (docs/sources.md)'
    )


def _candidates(page: FetchResult) -> Iterator[tuple[str, str]]:
    if "html" in page.content_type or page.text.lstrip()[:200].lower().startswith(("<!doctype", "<html")):
        for link in feed_links(page.text, base_url=page.url):
            yield link, "announced by the page"
    parts = urlsplit(page.url)
    for path in COMMON_FEED_PATHS:
        yield urlunsplit((parts.scheme, parts.netloc, path, "", "")), f"found at {path}"


def _as_feed(result: FetchResult, how: str) -> FoundFeed | None:
    if not result.content:
        return None
    try:
        parsed = read_feed(result, _SOURCE)
    except SourceError:
        return None
    feed = parsed.get("feed", {})
    lang = feed.get("language")
    entries = tuple(_document(entry, lang) for entry in parsed.get("entries", []))
    title = " ".join(str(feed.get("title") or "").split()) or None
    version = str(parsed.get("version") or "")
    return FoundFeed(
        url=result.url, how=how, title=title, format=_FORMATS.get(version, version), entries=entries
    )


def _document(entry: Any, feed_lang: Any) -> RawItem:
    html = max((str(part.get("value") or "") for part in entry.get("content") or []), key=len, default="")
    text = html_to_text(html or str(entry.get("summary") or ""))
    lang = entry.get("language") or feed_lang
    return RawItem(
        guid=str(entry.get("link") or entry.get("id") or ""),
        title=html_to_text(str(entry.get("title") or "")),
        text=text,
        lang=str(lang).lower().replace("_", "-").split("-")[0] if lang else None,
    )
