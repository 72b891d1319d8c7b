"""``publish``: write ``public/`` from the database, at the cost of what changed.

The stories of each feed come from the database page by page (``StoreProtocol.stories_by_arrival``,
an index range): the head documents are rebuilt from their newest ``feed_size`` stories, an
archive document is rendered only when it is not on disk yet (RFC 5005: a full archive does
not change), and item pages only for items stored or changed since the last render (the
database keeps when each output folder was last rendered; a folder never rendered, or
without ``index.html``, or last rendered by an earlier renderer has every page and every
archive document checked, as with ``full``). Each document is rendered from the full items of its own
stories and written before the next is read, so memory does not grow with history.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import TypeVar

from kzfeed import clock
from kzfeed.articles import safe_url
from kzfeed.config import Config
from kzfeed.errors import ConfigError
from kzfeed.models import TOPICS, Item, Story
from kzfeed.publish._entries import own_url
from kzfeed.publish._feeds import RENDERER, FeedSpec, archive_path, render_atom, render_rss
from kzfeed.publish._jsonfeed import render_json_feed
from kzfeed.publish._pages import (
    Site,
    feed_page_path,
    render_feed_page,
    render_item_page,
    render_story_page,
    story_page_path,
)
from kzfeed.publish._write import STYLESHEET, _empty_note, feed_specs, feeds_opml, write_outputs
from kzfeed.storage import StoreProtocol
from kzfeed.stories import group_stories

__all__ = ["publish"]

#: items changed this long before the last render are looked at again (a run that stored
#: them may have started before that render and finished after it)
_OVERLAP = timedelta(hours=1)
T = TypeVar("T")


def publish(config: Config, store: StoreProtocol, *, full: bool = False) -> list[Path]:
    """Write the feeds and pages to ``config.output_dir``, rendering only what may have changed:
    head documents (with their pages and story pages), archive documents not on disk, item
    pages of items changed since the last render or shown in a head document (``full``: every
    item page, e.g. after a reclassification). Files whose bytes did not change are left
    alone. Returns the files written."""
    out = config.output_dir
    started = clock.now()
    folder = str(out.resolve())
    last = None if full or not (out / "index.html").is_file() else store.last_render(folder, RENDERER)
    present = store.feed_topics()
    specs = feed_specs(config, list(TOPICS) + [t for t in present if t not in TOPICS])
    runs = bool(store.last_runs(limit=1))
    site = Site(title=config.title, subtitle=config.subtitle, specs=specs, renderer=RENDERER,
                topics_present=frozenset(present), no_runs=not runs)  # fmt: skip
    render = _Documents(out, store, site, config, store.latest_date())
    written: list[Path] = []
    listings: dict[Path, set[str]] = {}  # the topic feeds share a folder: listed once
    for spec in specs:
        topic = _topic(spec)
        pages = _pages(store.count_stories(topic), config.feed_size)
        for page in _missing_archives(out, spec, pages, checked=last is not None, listings=listings):
            ids = store.stories_by_arrival(
                topic, limit=config.feed_size, offset=(page - 1) * config.feed_size
            )
            written += render(replace(spec.archive(page), content=topic is None), ids)
        head = replace(spec, archives=pages)
        ids = store.stories_by_arrival(topic, limit=config.feed_size, newest_first=True)
        if not ids:  # a feed reader shows the subtitle of an empty feed: it says why
            head = replace(head, subtitle=f"{head.subtitle} ({_empty_note(runs, frozenset(present), topic)})")
        written += render(head, ids)
    assets = {
        "feeds.opml": feeds_opml(config.title, specs),
        STYLESHEET: resources.files("kzfeed.publish").joinpath("assets", STYLESHEET).read_bytes(),
    }
    written += write_outputs(out, assets)
    if last is None:
        written += _all_pages(out, store, site, config.base_url)
    else:
        since = last - _OVERLAP
        written += _changed_pages(out, store, site, config.base_url, since=since, shown=render.shown)
    store.mark_render(folder, RENDERER, started)
    return written


class _Documents:
    """Renders and writes one feed document (Atom, RSS, its page; the JSON Feed of a head
    document) and the pages of the stories it shows, from the items of those stories."""

    def __init__(
        self, out: Path, store: StoreProtocol, site: Site, config: Config, fallback: datetime | None
    ) -> None:
        self.out, self.store, self.site, self.config, self.fallback = out, store, site, config, fallback
        self.shown: set[str] = set()  # items of head documents that have a page of their own
        #: the stories of the head documents written so far, and their story pages: the topic
        #: feeds' heads show mostly stories of the main feed's, read and rendered once a render
        #: (no more than the feeds times ``feed_size`` stories; archive documents are not kept)
        self._heads: dict[str, Story] = {}
        self._pages: set[str] = set()

    def __call__(self, spec: FeedSpec, ids: Collection[str]) -> list[Path]:
        stories = (
            self._head_stories(ids) if spec.page is None else _stories(self.store, ids, self.config.languages)
        )
        if spec.page is None:
            self.shown.update(i.id for s in stories for i in (s.lead, *s.others) if own_url(i) is None)
        atom = spec.path(spec.atom_path)
        docs = {
            atom: render_atom(spec, stories, fallback=self.fallback),
            spec.path(spec.rss_path): render_rss(spec, stories, fallback=self.fallback),
            feed_page_path(atom): render_feed_page(self.site, spec, stories).encode(),
        }
        if spec.page is None:
            docs[spec.json_path] = render_json_feed(spec, stories)
        for story in stories:  # every page that links a story page is rendered with it
            if (path := story_page_path(story)) is not None and path not in self._pages:
                docs[path] = render_story_page(self.site, story, self.config.base_url).encode()
                if spec.page is None:
                    self._pages.add(path)
        return write_outputs(self.out, docs)

    def _head_stories(self, ids: Collection[str]) -> list[Story]:
        """As :func:`_stories`, reading only the stories no earlier head document showed."""
        missing = [i for i in ids if i not in self._heads]
        self._heads.update((s.id, s) for s in _stories(self.store, missing, self.config.languages))
        return _newest_first([self._heads[i] for i in dict.fromkeys(ids) if i in self._heads])


def _topic(spec: FeedSpec) -> str | None:
    return spec.key.removeprefix("topic:") if spec.key != "all" else None


def _pages(count: int, size: int) -> int:
    """Full archive pages of ``size`` stories (none while the feed fits its subscription document)."""
    return count // size if count > size else 0


def _stories(store: StoreProtocol, ids: Collection[str], languages: Sequence[str]) -> list[Story]:
    """The stories ``ids`` with their relevant reports, newest first (the lead in the first of
    the preferred ``languages``): what feeds and pages show of them (no plain text, no entities)."""
    return group_stories(store.items_of_stories(ids, shown_only=True), languages) if ids else []


def _newest_first(stories: list[Story]) -> list[Story]:
    """``stories`` in the order :func:`kzfeed.stories.group_stories` gives them."""
    stories.sort(key=lambda s: s.id)
    stories.sort(key=lambda s: s.date.timestamp() if s.date else 0.0, reverse=True)
    return stories


def _missing_archives(
    out: Path, spec: FeedSpec, pages: int, *, checked: bool, listings: dict[Path, set[str]] | None = None
) -> list[int]:
    """The archive pages of ``spec`` to write: those not on disk (one listing of the folder,
    shared through ``listings`` by the feeds in it), and unless ``checked``, those an earlier
    renderer wrote (one that could let a site's markup through: written again, once). Names are
    compared as strings: at 100k stored items a feed has thousands of archive pages."""
    folder = (out / spec.atom_path).parent
    names = _listing(folder, listings)
    missing = []
    for page in range(1, pages + 1):
        feeds = (archive_path(spec.atom_path, page), archive_path(spec.rss_path, page))
        there = all(p.rpartition("/")[2] in names for p in (*feeds, feed_page_path(feeds[0])))
        if not there or not (checked or all(_kept(out / p) for p in feeds)):
            missing.append(page)
    return missing


def _listing(folder: Path, listings: dict[Path, set[str]] | None) -> set[str]:
    """The names in ``folder`` (none if it cannot be listed), listed once per ``listings``."""
    if listings is not None and folder in listings:
        return listings[folder]
    try:
        names = set(os.listdir(folder))
    except OSError:
        names = set()
    if listings is not None:
        listings[folder] = names
    return names


def _kept(archive: Path) -> bool:
    """Whether an archive document was written by this renderer."""
    try:
        with archive.open("rb") as fh:
            return RENDERER.encode() in fh.read(4096)
    except OSError:
        return False


def _needs_page(url: str | None) -> bool:
    """Whether an item with this link gets a page of its own (``own_url``: no http(s) URL)."""
    return not url or safe_url(url) is None


def _all_pages(out: Path, store: StoreProtocol, site: Site, base_url: str) -> list[Path]:
    """Every item page (relevant items without an http(s) URL of their own: their links are
    read 500 at a time, then those items in full); then the pages of items and stories no
    longer shown are removed, the names in each folder checked against the database 500 at a
    time. Nothing here holds every item or story: memory stays flat at any size."""
    written: list[Path] = []
    for links in _batches(store.item_links(), 500):
        written += _write_pages(out, store, site, base_url, [i for i, url in links if _needs_page(url)])
    _prune_pages(
        out / "items", lambda ids: [i for i, url in store.item_links_of(ids).items() if _needs_page(url)]
    )
    _prune_pages(out / "stories", store.stories_among)
    return written


def _batches(values: Iterable[T], size: int) -> Iterator[list[T]]:
    """``values`` in lists of ``size`` (``itertools.batched`` from Python 3.12)."""
    it = iter(values)
    while batch := list(islice(it, size)):
        yield batch


def _prune_pages(folder: Path, shown: Callable[[list[str]], Collection[str]]) -> None:
    """Remove the files of ``folder`` other than the pages (``ID.html``) of the ids ``shown``
    says are still shown, 500 names at a time as the folder is listed."""
    try:
        with os.scandir(folder) as listing:
            for entries in _batches((e for e in listing if e.is_file()), 500):
                ids = [e.name[:-5] for e in entries if e.name.endswith(".html")]
                kept = set(shown(ids)) if ids else set()
                for entry in entries:
                    if not (entry.name.endswith(".html") and entry.name[:-5] in kept):
                        os.unlink(entry.path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ConfigError(f"cannot remove old pages in {str(folder)!r}: {exc}; check output_dir") from exc


def _write_pages(
    out: Path, store: StoreProtocol, site: Site, base_url: str, ids: Sequence[str]
) -> list[Path]:
    written: list[Path] = []
    for start in range(0, len(ids), 500):
        found = store.items_by_id(ids[start : start + 500]).values()
        written += write_outputs(out, _pages_of(found, site, base_url))
    return written


def _changed_pages(
    out: Path, store: StoreProtocol, site: Site, base_url: str, *, since: datetime, shown: Collection[str]
) -> list[Path]:
    """The pages of items changed since ``since`` (when missing or older than the change) and
    of the items ``shown`` in head documents; a changed item that no longer has a page loses it."""
    render: set[str] = set()
    for item_id, url, relevant, fetched in store.items_changed_since(since):
        page = out / f"items/{item_id}.html"
        if not relevant or not _needs_page(url):
            _remove(page)
        elif _stale(page, fetched):
            render.add(item_id)
    return _write_pages(out, store, site, base_url, sorted(render | set(shown)))


def _remove(page: Path) -> None:
    try:
        page.unlink(missing_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot remove {str(page)!r}: {exc}; check output_dir") from exc


def _pages_of(found: Iterable[Item], site: Site, base_url: str) -> dict[str, bytes]:
    return {
        f"items/{item.id}.html": render_item_page(site, item, base_url).encode()
        for item in found
        if item.relevant and own_url(item) is None
    }


def _stale(page: Path, changed: datetime | None) -> bool:
    """Whether an item page is missing or older than the last change of its item."""
    try:
        written = page.stat().st_mtime
    except OSError:
        return True
    return changed is None or changed.timestamp() >= written
