"""Sanitising article HTML (nh3, an allow-list sanitiser) before it is stored or published."""

from __future__ import annotations

import functools
import html as html_lib
import threading
from collections.abc import Sequence
from urllib.parse import urljoin, urlsplit, urlunsplit

import nh3

__all__ = ["SAFE_URL_SCHEMES", "paragraphs_to_html", "safe_url", "sanitize_html"]

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt", "em",
    "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p",
    "pre", "q", "s", "small", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "time", "tr", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
}
_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
#: the only URL schemes a published link or image may have
SAFE_URL_SCHEMES = frozenset({"http", "https", "mailto"})


def safe_url(value: str, *, base_url: str | None = None, mailto: bool = False) -> str | None:
    """``value`` made absolute against ``base_url``, if the result is an http(s) URL (or a
    mailto: one, with ``mailto``); else None. A relative URL with no base is None too:
    nothing can say where it points.

    The URL is taken apart and put back together, so characters browsers ignore inside a
    scheme (tabs, newlines: ``java\tscript:``) cannot smuggle one past this check.
    """
    value = value.strip()
    if not value:
        return None
    try:
        joined = urljoin(base_url, value) if base_url else value
        parts = urlsplit(joined)
    except ValueError:  # e.g. an invalid IPv6 host
        return None
    scheme = parts.scheme.lower()
    if scheme == "mailto":
        return urlunsplit(parts) if mailto else None
    if scheme not in SAFE_URL_SCHEMES or not parts.netloc:
        return None
    return urlunsplit(parts)


def sanitize_html(markup: str, *, base_url: str | None = None) -> str:
    """Keep only safe markup: no script, style, iframe, event handlers; links and images
    only to http(s) (links also to mailto:) URLs.

    Relative links and image sources are made absolute against ``base_url`` (dropped when
    there is none). URLs are checked on nh3's parsed tree, attribute by attribute, never by
    searching the serialised output.
    """
    _base.url = base_url  # what _attribute makes URLs absolute against, in this thread
    try:
        cleaned: str = _cleaner().clean(markup)
    finally:
        _base.url = None
    return cleaned.strip()


#: the base URL of the markup being cleaned in each thread (one cleaner serves every thread)
_base = threading.local()


def _attribute(element: str, name: str, value: str) -> str | None:
    if name not in _URL_ATTRIBUTES:
        return value
    return safe_url(value, base_url=getattr(_base, "url", None), mailto=name == "href")


@functools.cache
def _cleaner() -> nh3.Cleaner:
    """The sanitiser, built once: ``nh3.clean`` builds one from its options at every call,
    which costs more than cleaning an entry's few paragraphs."""
    return nh3.Cleaner(
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=set(SAFE_URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_attribute,
    )


def paragraphs_to_html(paragraphs: Sequence[str]) -> str:
    """Plain-text paragraphs as ``<p>`` elements, escaped."""
    return "\n".join(f"<p>{html_lib.escape(p, quote=False)}</p>" for p in paragraphs if p.strip())
