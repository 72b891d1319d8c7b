"""Everything written to ``public/``: the feeds of stories (Atom, RSS, JSON Feed; overall and
per topic, with RFC 5005 archives), the OPML list of feeds, the XSL stylesheet and the pages
(one per feed document, one per story, one per item with no URL of its own).

``build_outputs`` is pure (items in, ``{path: bytes}`` out: every document from a list of
items, what ``kzfeed.publish._publish.publish`` writes from the database page by page);
``write_outputs`` writes files atomically and leaves unchanged files untouched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib import resources
from pathlib import Path

from kzfeed.config import Config
from kzfeed.errors import ConfigError
from kzfeed.models import TOPICS, Item, Story, topic_label
from kzfeed.publish._entries import own_url
from kzfeed.publish._feeds import RENDERER, FeedSpec, archive_path, render_atom, render_rss
from kzfeed.publish._jsonfeed import render_json_feed
from kzfeed.publish._opml import Subscription, render_opml
from kzfeed.publish._pages import (
    Site,
    feed_page_path,
    render_feed_page,
    render_item_page,
    render_story_page,
    story_page_path,
)
from kzfeed.stories import group_stories

__all__ = ["STYLESHEET", "build_outputs", "feed_specs", "feeds_opml", "page_stories", "write_outputs"]

#: the XSL stylesheet every Atom and RSS document points to
STYLESHEET = "feed.xsl"


def feed_specs(config: Config, topics: Iterable[str]) -> list[FeedSpec]:
    """The overall feed and one per topic, in a stable order."""

    def spec(key: str, title: str, subtitle: str, stem: str) -> FeedSpec:
        atom = f"{stem}.atom"
        return FeedSpec(
            key=key,
            title=title,
            subtitle=subtitle,
            base_url=config.base_url,
            atom_path=atom,
            rss_path=f"{stem}.rss",
            json_path=f"{stem}.json",
            page_path=feed_page_path(atom),
            stylesheet=STYLESHEET,
        )

    specs = [spec("all", config.title, config.subtitle, "feed")]
    for topic in topics:
        label = topic_label(topic)
        specs.append(
            spec(
                f"topic:{topic}",
                f"{config.title}: {label}",
                f"{label} — {config.subtitle}",
                f"topics/{topic}",
            )
        )
    return specs


def _arrival(story: Story) -> tuple[float, float, str]:
    """When kzfeed first saw the story, then the date of the report that started it (whichever
    report leads in the preferred languages), then its id: the order the database keeps
    (``StoreProtocol.stories_by_arrival``)."""
    reports = (story.lead, *story.others)
    seen = min((i.first_seen.timestamp() for i in reports if i.first_seen), default=0.0)
    first = min(reports, key=lambda i: (i.id != story.id, *_seen_order(i)))
    return (seen, first.date.timestamp() if first.date else 0.0, story.id)


def _seen_order(item: Item) -> tuple[float, float, str]:
    seen = item.first_seen.timestamp() if item.first_seen else 0.0
    return (seen, item.published.timestamp() if item.published else float("inf"), item.id)


def page_stories(stories: Sequence[Story], size: int) -> tuple[list[Story], list[list[Story]]]:
    """Split a feed's stories into the subscription document (the newest ``size``) and full
    archive pages of ``size`` stories, oldest page first, in the order kzfeed first saw the
    stories, so that a full page never gains or loses a story. Each list is newest first."""
    arrived = sorted(stories, key=_arrival)
    by_date = {s.id: n for n, s in enumerate(stories)}

    def newest_first(chunk: Sequence[Story]) -> list[Story]:
        return sorted(chunk, key=lambda s: by_date[s.id])

    current = newest_first(arrived[-size:])
    pages = len(arrived) // size if len(arrived) > size else 0
    archives = [newest_first(arrived[n * size : (n + 1) * size]) for n in range(pages)]
    return current, archives


def feeds_opml(title: str, specs: Sequence[FeedSpec]) -> bytes:
    """An OPML 2.0 list of every feed kzfeed writes, for importing into a feed reader."""
    subscriptions = [
        Subscription(
            url=spec.base_url + path, title=f"{spec.title} ({kind})", html_url=spec.base_url + spec.page_path
        )
        for spec in specs
        for path, kind in ((spec.atom_path, "Atom"), (spec.rss_path, "RSS"), (spec.json_path, "JSON Feed"))
    ]
    return render_opml(title, subscriptions).encode()


def build_outputs(config: Config, items: list[Item], *, runs: bool = True) -> dict[str, bytes]:
    """Every file of ``public/``, as ``{relative path: bytes}``, from the relevant items
    (``runs``: whether any run read the sources yet; the empty pages say which)."""
    by_id = {i.id: i for i in items}
    return _render(config, _plan(config, items, lambda _rel: False, runs=runs), by_id, items)


@dataclass(slots=True)
class _Plan:
    """Which documents to render, each with the stories it shows (as outlines)."""

    specs: list[FeedSpec]
    fallback: datetime | None
    site: Site
    #: the id of every story shown in some feed document (their pages are kept)
    story_ids: set[str] = field(default_factory=set)
    #: (spec, stories): archive documents not yet on disk, then every head document
    documents: list[tuple[FeedSpec, list[Story]]] = field(default_factory=list)

    def item_ids(self) -> set[str]:
        stories = [s for _, chunk in self.documents for s in chunk]
        return {i.id for s in stories for i in (s.lead, *s.others)}


def _plan(config: Config, items: Sequence[Item], written: Callable[[str], bool], *, runs: bool) -> _Plan:
    """Page every feed's stories (outlines will do: only ids, dates and topics count) and
    keep the archive documents that are not ``written`` yet, and the head documents."""
    topics = list(TOPICS) + sorted({t for i in items for t in i.topics} - set(TOPICS))
    stories = group_stories(items, config.languages)
    story_topics = [(s, frozenset(s.topics)) for s in stories]  # Story.topics is worked out per call
    present = frozenset(t for _, tags in story_topics for t in tags)
    specs = feed_specs(config, topics)
    site = Site(
        title=config.title, subtitle=config.subtitle, specs=specs, renderer=RENDERER, topics_present=present
    )
    plan = _Plan(
        specs,
        max((i.date for i in items if i.date), default=None),
        replace(site, no_runs=not runs),
        {s.id for s in stories},
    )
    for spec in plan.specs:
        topic = spec.key.removeprefix("topic:") if spec.key != "all" else None
        selected = [s for s, tags in story_topics if topic is None or topic in tags]
        current, archives = page_stories(selected, config.feed_size)
        for page, chunk in enumerate(archives, start=1):
            archive = replace(spec.archive(page), content=topic is None)
            atom = archive_path(spec.atom_path, page)
            if not (
                written(atom) and written(archive_path(spec.rss_path, page)) and written(feed_page_path(atom))
            ):
                plan.documents.append((archive, chunk))
        head = replace(spec, archives=len(archives))
        if not selected:  # a feed reader shows the subtitle of an empty feed: it says why
            head = replace(head, subtitle=f"{head.subtitle} ({_empty_note(runs, present, topic)})")
        plan.documents.append((head, current))
    return plan


def _empty_note(runs: bool, present: frozenset[str], topic: str | None) -> str:
    if not runs:
        return "no story yet: no source has been read"
    if not present:
        return "no story on the beat yet"
    return f"no story on {topic_label(topic or '')} yet"


def _render(config: Config, plan: _Plan, full: Mapping[str, Item], pages: Iterable[Item]) -> dict[str, bytes]:
    """The bytes of the planned documents, from the ``full`` items, and the pages of ``pages``."""

    def filled(story: Story) -> Story:
        return Story(id=story.id, lead=full[story.lead.id], others=tuple(full[o.id] for o in story.others))

    outputs: dict[str, bytes] = {}
    fallback = plan.fallback
    shown: dict[str, Story] = {}
    for spec, chunk in plan.documents:
        stories = [filled(s) for s in chunk]
        atom = spec.path(spec.atom_path)
        outputs[atom] = render_atom(spec, stories, fallback=fallback)
        outputs[spec.path(spec.rss_path)] = render_rss(spec, stories, fallback=fallback)
        if spec.page is None:
            outputs[spec.json_path] = render_json_feed(spec, stories)
        outputs[feed_page_path(atom)] = render_feed_page(plan.site, spec, stories).encode()
        shown.update((s.id, s) for s in stories)
    for story in shown.values():  # every page that links a story page is rendered with it
        if (path := story_page_path(story)) is not None:
            outputs[path] = render_story_page(plan.site, story, config.base_url).encode()
    for item in pages:
        if own_url(item) is None:  # no http(s) URL of its own: its page is the link
            page = render_item_page(plan.site, full[item.id], config.base_url)
            outputs[f"items/{item.id}.html"] = page.encode()
    outputs["feeds.opml"] = feeds_opml(config.title, plan.specs)
    outputs[STYLESHEET] = resources.files("kzfeed.publish").joinpath("assets", STYLESHEET).read_bytes()
    return outputs


def write_outputs(out_dir: Path, outputs: Mapping[str, bytes]) -> list[Path]:
    """Write ``outputs`` under ``out_dir`` atomically, skipping files whose bytes are the same."""
    written = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for rel, data in sorted(outputs.items()):
            path = out_dir / rel
            if path.is_file() and path.read_bytes() == data:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(path, data)
            written.append(path)
    except OSError as exc:
        raise ConfigError(f"cannot write to output folder {str(out_dir)!r}: {exc}; check output_dir") from exc
    return written


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
