"""Rendering Atom 1.0 and RSS 2.0 feeds with feedgen.

Everything in the output comes from the items: entry ids, order and the feed's ``updated``
time, so the same database always renders the same bytes.
"""

from __future__ import annotations

import html as html_lib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from kzfeed import __version__
from kzfeed.models import Item, Story, topic_label

__all__ = [
    "Entry",
    "FeedSpec",
    "archive_path",
    "as_story",
    "entry_author",
    "entry_content",
    "entry_id",
    "item_link",
    "render_atom",
    "render_rss",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FEED_NAMESPACE = uuid.UUID("0b5c8d6e-3f41-5a27-9e08-7c1d2b3a4f55")
_ATOM_NS = "http://www.w3.org/2005/Atom"
_FH_NS = "http://purl.org/syndication/history/1.0"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedSpec:
    """What one feed is: its key (``all`` or a topic slug), title and where it is served.

    ``page`` is set on an RFC 5005 archive document (1 is the oldest); ``archives`` is how
    many archive documents the feed has (the subscription document links to the newest).
    """

    key: str
    title: str
    subtitle: str
    base_url: str  # ends with "/"
    atom_path: str  # relative to base_url, e.g. "feed.atom" or "topics/energy.atom"
    rss_path: str
    page_path: str = ""  # the HTML page a person reads this feed on (relative)
    json_path: str = ""
    stylesheet: str = ""  # the XSL stylesheet that makes the feed readable in a browser (relative)
    page: int | None = None
    archives: int = 0
    #: entries carry the story's HTML; False: title, summary and links only (topic archives:
    #: the HTML is in the overall feed's archive, so public/ holds each story's text twice)
    content: bool = True

    @property
    def feed_id(self) -> str:
        return f"urn:uuid:{uuid.uuid5(_FEED_NAMESPACE, 'kzfeed:' + self.key)}"

    def archive(self, page: int) -> FeedSpec:
        """The spec of archive document number ``page`` of this feed."""
        return replace(self, page=page)

    def path(self, path: str) -> str:
        """Where this document is served, for the subscription document path ``path``."""
        return archive_path(path, self.page) if self.page else path


def archive_path(path: str, page: int) -> str:
    """``topics/energy.atom`` → ``topics/energy-archive-3.atom``."""
    stem, dot, ext = path.rpartition(".")
    return f"{stem}-archive-{page}{dot}{ext}"


Entry = Item | Story


def as_story(entry: Entry) -> Story:
    """A lone item is a story of one report."""
    return entry if isinstance(entry, Story) else Story(id=entry.id, lead=entry)


def entry_id(entry: Entry) -> str:
    """The Atom/RSS id of a story: a URN made from the id of the report that started it (for a
    lone item, its own id), the same in every database."""
    return f"urn:uuid:{entry.id}"


def item_link(item: Item, base_url: str) -> str:
    """The article's own URL when known, else its page under ``base_url``."""
    return item.url or f"{base_url}items/{item.id}.html"


def _feed_updated(stories: Sequence[Story], fallback: datetime | None) -> datetime:
    dates = [s.date for s in stories if s.date is not None]
    return max(dates) if dates else (fallback or _EPOCH)


def entry_author(item: Item) -> str:
    """Who a report is credited to: its outlet, else its author, else the source's name."""
    return item.outlet or item.author or item.source


def entry_content(story: Story, base_url: str) -> str:
    """The HTML of an entry: the lead report, its source, and the other reports of the story."""
    lead = story.lead
    link = html_lib.escape(item_link(lead, base_url), quote=True)
    who = html_lib.escape(entry_author(lead), quote=False)
    parts = [lead.content_html, f'<p><small>Source: <a href="{link}">{who}</a></small></p>']
    if story.others:
        also = ", ".join(
            f'<a href="{html_lib.escape(item_link(o, base_url), quote=True)}">'
            f"{html_lib.escape(entry_author(o), quote=False)}</a>"
            for o in story.others
        )
        parts.append(f"<p><small>Also reported by: {also}</small></p>")
    return "\n".join(parts)


def _generator(spec: FeedSpec, stories: Sequence[Story], fallback: datetime | None) -> object:
    from feedgen.feed import FeedGenerator  # feedgen pulls in lxml/dateutil: import when rendering

    fg = FeedGenerator()
    fg.load_extension("dc", atom=True, rss=True)
    fg.id(spec.feed_id)
    fg.title(spec.title if spec.page is None else f"{spec.title} (archive {spec.page})")
    fg.subtitle(spec.subtitle)
    fg.author({"name": "kzfeed"})
    fg.link(href=spec.base_url + (spec.page_path or ""), rel="alternate", type="text/html")
    fg.generator("kzfeed", version=__version__, uri="https://github.com/kzfeed/kzfeed")
    updated = _feed_updated(stories, fallback)
    fg.updated(updated)
    fg.lastBuildDate(updated)
    fg.language("en")
    for story in stories:
        item = story.lead
        fe = fg.add_entry(order="append")
        fe.id(entry_id(story))
        fe.guid(entry_id(story), permalink=False)
        fe.title(item.title)
        fe.link(href=item_link(item, spec.base_url), rel="alternate", type="text/html")
        if item.published is not None:
            fe.published(item.published)
        fe.updated(item.date or updated)
        fe.author({"name": entry_author(item)})
        for topic in story.topics:
            fe.category(term=topic, label=topic_label(topic), scheme=spec.base_url + "topics/")
        summary = item.summary or item.title
        fe.summary(summary)
        fe.description(summary, isSummary=not spec.content)  # without content: no atom:content
        if spec.content:
            fe.content(entry_content(story, spec.base_url), type="html")
        if item.lang:
            fe.dc.dc_language(item.lang)
    return fg


def _paging_links(spec: FeedSpec, path: str) -> list[tuple[str, str]]:
    """RFC 5005 links of one document: (rel, href)."""
    links = []
    if spec.page is None:
        if spec.archives:
            links.append(("prev-archive", archive_path(path, spec.archives)))
        return links
    links.append(("current", path))
    if spec.page > 1:
        links.append(("prev-archive", archive_path(path, spec.page - 1)))
    # no next-archive: it would have to be added when the next page fills, and a full archive
    # document never changes; readers walk back from the subscription document
    return links


def _finish(root: Any, spec: FeedSpec, parent: Any, path: str, media_type: str) -> bytes:
    """Add the paging links and archive marker to ``parent`` (before its first entry, where
    the feed's metadata is), and the stylesheet; serialise."""
    marks = [
        etree.Element(f"{{{_ATOM_NS}}}link", rel=rel, href=spec.base_url + href, type=media_type)
        for rel, href in _paging_links(spec, path)
    ]
    if spec.page is not None:
        marks.append(etree.Element(f"{{{_FH_NS}}}archive", nsmap={"fh": _FH_NS}))
    first = next((c for c in parent if c.tag in (f"{{{_ATOM_NS}}}entry", "item")), None)
    for mark in marks:
        mark.tail = "\n  " if parent is root else "\n    "
        if first is not None:
            first.addprevious(mark)
        else:
            parent.append(mark)
    if spec.stylesheet:
        href = "../" * spec.path(path).count("/") + spec.stylesheet
        root.addprevious(etree.ProcessingInstruction("xml-stylesheet", f'type="text/xsl" href="{href}"'))
    etree.cleanup_namespaces(root, top_nsmap={"fh": _FH_NS} if spec.page is not None else None)
    tree = root.getroottree()
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def render_atom(spec: FeedSpec, entries: Sequence[Entry], *, fallback: datetime | None = None) -> bytes:
    """An Atom 1.0 document of ``entries`` (stories or items, newest first), served at
    ``spec.atom_path`` (or its archive path when ``spec.page`` is set)."""
    stories = [as_story(e) for e in entries]
    fg = _generator(spec, stories, fallback)
    fg.link(href=spec.base_url + spec.path(spec.atom_path), rel="self", type="application/atom+xml")  # type: ignore[attr-defined]
    fg.link(href=spec.base_url + spec.path(spec.rss_path), rel="alternate", type="application/rss+xml")  # type: ignore[attr-defined]
    root = etree.fromstring(fg.atom_str(pretty=True))  # type: ignore[attr-defined]
    # feedgen has no per-entry language: mark each entry's xml:lang so readers hyphenate and
    # pick fonts right.
    # feedgen also drops the rel of entry links (it writes every one as an alternate), so the
    # other reports of a story are linked here, as rel="related".
    by_id = {entry_id(s): s for s in stories}
    for entry in root.iter(f"{{{_ATOM_NS}}}entry"):
        story = by_id[entry.findtext(f"{{{_ATOM_NS}}}id") or ""]
        if story.lead.lang:
            entry.set(_XML_LANG, story.lead.lang)
        alternate = entry.find(f"{{{_ATOM_NS}}}link")
        if alternate is not None:
            alternate.set("rel", "alternate")
            alternate.set("type", "text/html")
        for other in story.others:
            link = etree.SubElement(entry, f"{{{_ATOM_NS}}}link", rel="related", type="text/html")
            link.set("href", item_link(other, spec.base_url))
            link.set("title", entry_author(other))
    return _finish(root, spec, root, spec.atom_path, "application/atom+xml")


def render_rss(spec: FeedSpec, entries: Sequence[Entry], *, fallback: datetime | None = None) -> bytes:
    """An RSS 2.0 document of ``entries``; its ``atom:link rel="self"`` is the RSS file itself."""
    stories = [as_story(e) for e in entries]
    fg = _generator(spec, stories, fallback)
    fg.link(href=spec.base_url + spec.path(spec.rss_path), rel="self", type="application/rss+xml")  # type: ignore[attr-defined]
    root = etree.fromstring(fg.rss_str(pretty=True))  # type: ignore[attr-defined]
    channel = root.find("channel")
    # feedgen makes the channel's <link> the last link given; a person's link is the page
    channel.find("link").text = spec.base_url + (spec.page_path or "")
    return _finish(root, spec, channel, spec.rss_path, "application/rss+xml")
