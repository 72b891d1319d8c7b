"""Sanitising article HTML (nh3, an allow-list sanitiser) before it is stored or published."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Sequence
from urllib.parse import urljoin

import nh3

__all__ = ["paragraphs_to_html", "sanitize_html"]

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
_URL_ATTR = re.compile(r'(?P<attr>\b(?:href|src|cite)=")(?P<url>[^"]*)(?P<end>")')


def sanitize_html(markup: str, *, base_url: str | None = None) -> str:
    """Keep only safe markup: no script, style, iframe, event handlers or javascript: URLs.

    Relative links and image sources are made absolute against ``base_url``.
    """
    cleaned: str = nh3.clean(
        markup,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    if base_url:

        def absolute(m: re.Match[str]) -> str:
            url = html_lib.unescape(m.group("url"))
            return m.group("attr") + html_lib.escape(urljoin(base_url, url), quote=True) + m.group("end")

        cleaned = _URL_ATTR.sub(absolute, cleaned)
    return cleaned.strip()


def paragraphs_to_html(paragraphs: Sequence[str]) -> str:
    """Plain-text paragraphs as ``<p>`` elements, escaped."""
    return "\n".join(f"<p>{html_lib.escape(p, quote=False)}</p>" for p in paragraphs if p.strip())
