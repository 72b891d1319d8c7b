"""Reading HTML listing pages of sites without a feed: what source plugins need (wraps lxml).

::

    page = parse_listing(result.text, base_url=result.url)   # links made absolute
    for card in page.xpath("//article[contains(@class, 'news-card')]"):
        url, title = link_at(card, ".//a/@href"), text_at(card, ".//h3")
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["link_at", "parse_listing", "text_at"]


def parse_listing(html: str, *, base_url: str) -> Any:
    """Parse a page into an lxml element whose links are absolute (joined to ``base_url``)."""
    import lxml.html  # lazy: only sources that read HTML pay for it

    page = lxml.html.fromstring(html, base_url=base_url)
    page.make_links_absolute(base_url, resolve_base_href=True)
    return page


def text_at(node: Any, xpath: str) -> str:
    """The text of the first match of ``xpath`` under ``node``, whitespace collapsed; ``""``
    when nothing matches. ``xpath`` may select an element or an attribute (``.../@href``)."""
    found = node.xpath(xpath)
    if not found:
        return ""
    first = found[0]
    value = first if isinstance(first, str) else first.text_content()
    return " ".join(str(value).split())


def link_at(node: Any, xpath: str) -> str | None:
    """The absolute http(s) URL at ``xpath`` (e.g. ``".//a/@href"``) without its ``#fragment``,
    or ``None`` when there is none (an empty, ``javascript:`` or ``mailto:`` link)."""
    parts = urlsplit(text_at(node, xpath))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit(parts._replace(fragment=""))
