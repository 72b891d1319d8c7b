"""Rendering Atom 1.0 and RSS 2.0 feeds with feedgen.

Everything in the output comes from the items: entry ids, order and the feed's ``updated``
time, so the same database always renders the same bytes.
"""

from __future__ import annotations

import html as html_lib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from kzfeed import __version__
from kzfeed.models import Item, topic_label

__all__ = ["FeedSpec", "entry_id", "item_link", "render_atom", "render_rss"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FEED_NAMESPACE = uuid.UUID("0b5c8d6e-3f41-5a27-9e08-7c1d2b3a4f55")
_ATOM_NS = "http://www.w3.org/2005/Atom"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedSpec:
    """What one feed is: its key (``all`` or a topic slug), title and where it is served."""

    key: str
    title: str
    subtitle: str
    base_url: str  # ends with "/"
    atom_path: str  # relative to base_url, e.g. "feed.atom" or "topics/energy.atom"
    rss_path: str
    page_path: str = ""  # the HTML page a person reads this feed on (relative)

    @property
    def feed_id(self) -> str:
        return f"urn:uuid:{uuid.uuid5(_FEED_NAMESPACE, 'kzfeed:' + self.key)}"


def entry_id(item: Item) -> str:
    """The Atom/RSS id of an item: a URN made from the item id, the same in every database."""
    return f"urn:uuid:{item.id}"


def item_link(item: Item, base_url: str) -> str:
    """The article's own URL when known, else its page under ``base_url``."""
    return item.url or f"{base_url}items/{item.id}.html"


def _feed_updated(items: Sequence[Item], fallback: datetime | None) -> datetime:
    dates = [i.date for i in items if i.date is not None]
    return max(dates) if dates else (fallback or _EPOCH)


def _author(item: Item) -> str:
    return item.outlet or item.author or item.source


def _content(item: Item, base_url: str) -> str:
    link = html_lib.escape(item_link(item, base_url), quote=True)
    who = html_lib.escape(_author(item), quote=False)
    attribution = f'<p><small>Source: <a href="{link}">{who}</a></small></p>'
    return f"{item.content_html}\n{attribution}"


def _generator(spec: FeedSpec, items: Sequence[Item], fallback: datetime | None) -> object:
    from feedgen.feed import FeedGenerator  # feedgen pulls in lxml/dateutil: import when rendering

    fg = FeedGenerator()
    fg.load_extension("dc", atom=True, rss=True)
    fg.id(spec.feed_id)
    fg.title(spec.title)
    fg.subtitle(spec.subtitle)
    fg.author({"name": "kzfeed"})
    fg.link(href=spec.base_url + (spec.page_path or ""), rel="alternate", type="text/html")
    fg.generator("kzfeed", version=__version__, uri="https://github.com/kzfeed/kzfeed")
    updated = _feed_updated(items, fallback)
    fg.updated(updated)
    fg.lastBuildDate(updated)
    fg.language("en")
    for item in items:
        fe = fg.add_entry(order="append")
        fe.id(entry_id(item))
        fe.guid(entry_id(item), permalink=False)
        fe.title(item.title)
        fe.link(href=item_link(item, spec.base_url), rel="alternate", type="text/html")
        if item.published is not None:
            fe.published(item.published)
        fe.updated(item.date or updated)
        fe.author({"name": _author(item)})
        for topic in item.topics:
            fe.category(term=topic, label=topic_label(topic), scheme=spec.base_url + "topics/")
        summary = item.summary or item.title
        fe.summary(summary)
        fe.description(summary)
        fe.content(_content(item, spec.base_url), type="html")
        if item.lang:
            fe.dc.dc_language(item.lang)
    return fg


def render_atom(spec: FeedSpec, items: Sequence[Item], *, fallback: datetime | None = None) -> bytes:
    """An Atom 1.0 document of ``items`` (newest first), served at ``spec.atom_path``."""
    fg = _generator(spec, items, fallback)
    fg.link(href=spec.base_url + spec.atom_path, rel="self", type="application/atom+xml")  # type: ignore[attr-defined]
    fg.link(href=spec.base_url + spec.rss_path, rel="alternate", type="application/rss+xml")  # type: ignore[attr-defined]
    raw: bytes = fg.atom_str(pretty=True)  # type: ignore[attr-defined]
    # feedgen has no per-entry language: mark each entry's xml:lang so readers hyphenate and
    # pick fonts right.
    root = etree.fromstring(raw)
    langs = {entry_id(i): i.lang for i in items if i.lang}
    for entry in root.iter(f"{{{_ATOM_NS}}}entry"):
        id_el = entry.find(f"{{{_ATOM_NS}}}id")
        lang = langs.get(id_el.text or "") if id_el is not None else None
        if lang:
            entry.set(_XML_LANG, lang)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def render_rss(spec: FeedSpec, items: Sequence[Item], *, fallback: datetime | None = None) -> bytes:
    """An RSS 2.0 document of ``items``; its ``atom:link rel="self"`` is the RSS file itself."""
    fg = _generator(spec, items, fallback)
    fg.link(href=spec.base_url + spec.rss_path, rel="self", type="application/rss+xml")  # type: ignore[attr-defined]
    raw: bytes = fg.rss_str(pretty=True)  # type: ignore[attr-defined]
    return raw
