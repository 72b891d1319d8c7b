"""Feed autodiscovery: the feeds a page announces, and the paths where sites commonly put one."""

from __future__ import annotations

from urllib.parse import urljoin

__all__ = ["COMMON_FEED_PATHS", "FEED_TYPES", "feed_links"]

#: media types of ``<link rel="alternate" type="...">`` that announce a feed
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)

#: where sites without an announced feed commonly serve one, tried in this order
COMMON_FEED_PATHS = (
    "/feed",
    "/feed/",
    "/rss",
    "/rss/",
    "/rss.xml",
    "/atom.xml",
    "/feed.xml",
    "/index.xml",
    "/feed.json",
)


def feed_links(html: str, *, base_url: str) -> list[str]:
    """The absolute URLs of the feeds a page announces with ``<link rel="alternate"
    type="application/rss+xml|atom+xml|feed+json|...">``, in the page's order (RSS and Atom
    before other types), without repeats. A page that cannot be parsed announces none."""
    import lxml.etree
    import lxml.html  # lazy: only discovery reads pages this way

    try:
        page = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    found: list[tuple[int, str]] = []
    for link in page.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" not in rels or kind not in FEED_TYPES or not href:
            continue
        url = urljoin(base_url, href)
        if url.startswith(("http://", "https://")) and url not in (u for _, u in found):
            found.append((FEED_TYPES.index(kind) if kind in FEED_TYPES[:3] else 3, url))
    return [url for _, url in sorted(found, key=lambda pair: pair[0] >= 3)]
