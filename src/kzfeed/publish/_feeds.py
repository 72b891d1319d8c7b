"""Rendering Atom 1.0 and RSS 2.0 feeds: each document built once as an lxml tree (what each
entry shows is ``_entries``'s, named here too).

Everything in the output comes from the items: entry ids, order and the feed's ``updated``
time, so the same database always renders the same bytes. What a site sent is never trusted
here either: text goes out as text (escaped), HTML sanitised again, URLs only http(s).
"""

from __future__ import annotations

import html as html_lib
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from lxml import etree

from kzfeed import __version__
from kzfeed.models import Story, topic_label
from kzfeed.publish._entries import (
    Entry,
    as_story,
    entry_author,
    entry_content,
    entry_date,
    entry_id,
    entry_summary,
    item_link,
    site_label,
)

__all__ = ["RENDERER", "FeedSpec", "archive_path", "render_atom", "render_rss"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FEED_NAMESPACE = uuid.UUID("0b5c8d6e-3f41-5a27-9e08-7c1d2b3a4f55")
_ATOM_NS = "http://www.w3.org/2005/Atom"
_FH_NS = "http://purl.org/syndication/history/1.0"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
_DC_NS = "http://purl.org/dc/elements/1.1/"
_RSS_NSMAP: dict[str | None, str] = {"atom": _ATOM_NS, "content": _CONTENT_NS, "dc": _DC_NS}
_PUBLISHER = "kzfeed"  # the feeds' own author
_GENERATOR_URI = "https://github.com/kzfeed/kzfeed"
#: named in every document's <generator>: archive documents written by an earlier renderer
#: (which could let a site's markup through) are written again once, then never changed
RENDERER = "renderer 2"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

log = logging.getLogger("kzfeed.publish")


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


def _feed_updated(stories: Sequence[Story], fallback: datetime | None) -> datetime:
    dates = [s.date for s in stories if s.date is not None]
    return max(dates) if dates else (fallback or _EPOCH)


def _text(value: str | None) -> str:
    """``value`` without the characters XML 1.0 cannot carry (NUL, most C0 controls, lone
    surrogates, U+FFFE/FFFF): lxml refuses them, and a feed must never fail on one."""
    return _NOT_XML.sub("", value or "")


def _sub(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    el = etree.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = _text(text)
    return el


def _atom(tag: str) -> str:
    return f"{{{_ATOM_NS}}}{tag}"


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _feed_title(spec: FeedSpec) -> str:
    return spec.title if spec.page is None else f"{spec.title} (archive {spec.page})"


def _build_entries(parent: Any, spec: FeedSpec, stories: Sequence[Story], build: Any) -> None:
    """Append one element per story; a story that cannot be written is left out, with a
    warning naming it, and the rest of the feed is written."""
    for story in stories:
        try:
            element = build(spec, story)
        except (ValueError, TypeError) as exc:
            log.warning(
                "entry %s (%r) left out of %s: %s",
                entry_id(story),
                story.lead.title[:80],
                spec.path(spec.atom_path if parent.tag == _atom("feed") else spec.rss_path),
                exc,
            )
            continue
        parent.append(element)


def _atom_entry(spec: FeedSpec, story: Story) -> Any:
    item = story.lead
    entry = etree.Element(_atom("entry"), nsmap={None: _ATOM_NS})
    if item.lang:
        entry.set(_XML_LANG, _text(item.lang))
    _sub(entry, _atom("id"), entry_id(story))
    _sub(entry, _atom("title"), item.title, type="text")
    _sub(entry, _atom("updated"), _iso(item.date or _EPOCH))
    if item.published is not None:
        _sub(entry, _atom("published"), _iso(item.published))
    # with no outlet known, the entry is credited to the feed's publisher, as Atom would have a
    # reader inherit it (feed readers do not all do so)
    _sub(_sub(entry, _atom("author")), _atom("name"), entry_author(item) or _PUBLISHER)
    _sub(entry, _atom("link"), rel="alternate", type="text/html", href=item_link(item, spec.base_url))
    for other in story.others:
        _sub(
            entry,
            _atom("link"),
            rel="related",
            type="text/html",
            href=item_link(other, spec.base_url),
            title=entry_author(other) or site_label(other),
        )
    for topic in story.topics:
        _sub(entry, _atom("category"), term=topic, label=topic_label(topic), scheme=spec.base_url + "topics/")
    _sub(entry, _atom("summary"), entry_summary(item), type="text")
    if spec.content:
        _sub(entry, _atom("content"), entry_content(story, spec.base_url), type="html")
    return entry


def _rss_item(spec: FeedSpec, story: Story) -> Any:
    item = story.lead
    element = etree.Element("item", nsmap=_RSS_NSMAP)
    # RSS readers take an item's <title> and <description> for HTML (feedparser, Miniflux,
    # NetNewsWire): plain text is escaped as HTML, so "&lt;b&gt;" or "<img onerror>" stay text
    _sub(element, "title", html_lib.escape(item.title, quote=False))
    _sub(element, "link", item_link(item, spec.base_url))
    _sub(element, "description", html_lib.escape(entry_summary(item), quote=False))
    if spec.content:
        _sub(element, f"{{{_CONTENT_NS}}}encoded", entry_content(story, spec.base_url))
    _sub(element, "guid", entry_id(story), isPermaLink="false")
    author = entry_author(item)
    if author:
        _sub(element, f"{{{_DC_NS}}}creator", author)
    for topic in story.topics:
        _sub(element, "category", topic_label(topic), domain=spec.base_url + "topics/")
    shown = entry_date(item).when
    if shown is not None:  # the same date the pages and the other feeds show
        _sub(element, "pubDate", format_datetime(shown.astimezone(UTC)))
    if item.lang:
        _sub(element, f"{{{_DC_NS}}}language", item.lang)
    return element


def _paging(parent: Any, spec: FeedSpec, path: str, media_type: str) -> None:
    """RFC 5005 links (and the archive marker) of one document."""
    for rel, href in _paging_links(spec, path):
        _sub(parent, _atom("link"), rel=rel, href=spec.base_url + href, type=media_type)
    if spec.page is not None:
        etree.SubElement(parent, f"{{{_FH_NS}}}archive")


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


def _serialise(root: Any, spec: FeedSpec, path: str) -> bytes:
    if spec.stylesheet:
        href = "../" * spec.path(path).count("/") + spec.stylesheet
        root.addprevious(etree.ProcessingInstruction("xml-stylesheet", f'type="text/xsl" href="{href}"'))
    etree.indent(root, space="  ")
    tree = root.getroottree()
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def render_atom(spec: FeedSpec, entries: Sequence[Entry], *, fallback: datetime | None = None) -> bytes:
    """An Atom 1.0 document of ``entries`` (stories or items, newest first), served at
    ``spec.atom_path`` (or its archive path when ``spec.page`` is set). Built once as an
    lxml tree and serialised: nothing in it is parsed back, so no entry's size can trip a
    parser limit."""
    stories = [as_story(e) for e in entries]
    nsmap: dict[str | None, str] = {None: _ATOM_NS}
    if spec.page is not None:
        nsmap["fh"] = _FH_NS
    root = etree.Element(_atom("feed"), nsmap=nsmap)
    root.set(_XML_LANG, "en")
    _sub(root, _atom("id"), spec.feed_id)
    _sub(root, _atom("title"), _feed_title(spec), type="text")
    _sub(root, _atom("subtitle"), spec.subtitle, type="text")
    _sub(root, _atom("updated"), _iso(_feed_updated(stories, fallback)))
    _sub(_sub(root, _atom("author")), _atom("name"), _PUBLISHER)
    _sub(root, _atom("link"), rel="alternate", type="text/html", href=spec.base_url + (spec.page_path or ""))
    self_href = spec.base_url + spec.path(spec.atom_path)
    _sub(root, _atom("link"), rel="self", type="application/atom+xml", href=self_href)
    rss_href = spec.base_url + spec.path(spec.rss_path)
    _sub(root, _atom("link"), rel="alternate", type="application/rss+xml", href=rss_href)
    _sub(root, _atom("generator"), f"kzfeed ({RENDERER})", uri=_GENERATOR_URI, version=__version__)
    _paging(root, spec, spec.atom_path, "application/atom+xml")
    _build_entries(root, spec, stories, _atom_entry)
    return _serialise(root, spec, spec.atom_path)


def render_rss(spec: FeedSpec, entries: Sequence[Entry], *, fallback: datetime | None = None) -> bytes:
    """An RSS 2.0 document of ``entries``; its ``atom:link rel="self"`` is the RSS file itself."""
    stories = [as_story(e) for e in entries]
    nsmap = dict(_RSS_NSMAP)
    if spec.page is not None:
        nsmap["fh"] = _FH_NS
    root = etree.Element("rss", nsmap=nsmap, version="2.0")
    channel = etree.SubElement(root, "channel")
    _sub(channel, "title", _feed_title(spec))
    _sub(channel, "link", spec.base_url + (spec.page_path or ""))
    _sub(channel, "description", spec.subtitle)
    self_href = spec.base_url + spec.path(spec.rss_path)
    _sub(channel, _atom("link"), href=self_href, rel="self", type="application/rss+xml")
    _sub(channel, "docs", "https://www.rssboard.org/rss-specification")
    _sub(channel, "generator", f"kzfeed {__version__} ({RENDERER})")
    _sub(channel, "language", "en")
    _sub(channel, "lastBuildDate", format_datetime(_feed_updated(stories, fallback).astimezone(UTC)))
    _paging(channel, spec, spec.rss_path, "application/rss+xml")
    _build_entries(channel, spec, stories, _rss_item)
    return _serialise(root, spec, spec.rss_path)
