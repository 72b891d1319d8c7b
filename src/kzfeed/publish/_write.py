"""Everything written to ``public/``: the feeds of stories (Atom, RSS, JSON Feed; overall and
per topic, with RFC 5005 archives), the OPML list of feeds, the XSL stylesheet and the pages.

``build_outputs`` is pure (stored items in, ``{path: bytes}`` out); ``publish`` writes the
files atomically, leaves unchanged files untouched and never rewrites a full archive.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path

from kzfeed.config import Config
from kzfeed.errors import ConfigError
from kzfeed.models import TOPICS, Item, Story, topic_label
from kzfeed.publish._feeds import RENDERER, FeedSpec, archive_path, own_url, render_atom, render_rss
from kzfeed.publish._jsonfeed import render_json_feed
from kzfeed.publish._pages import render_index, render_item_page
from kzfeed.storage import StoreProtocol
from kzfeed.stories import group_stories

__all__ = ["STYLESHEET", "build_outputs", "feed_specs", "page_stories", "publish", "write_outputs"]

#: the XSL stylesheet every Atom and RSS document points to
STYLESHEET = "feed.xsl"
_ARCHIVE = re.compile(r"-archive-\d+\.(atom|rss)$")


def feed_specs(config: Config, topics: Iterable[str]) -> list[FeedSpec]:
    """The overall feed and one per topic, in a stable order."""

    def spec(key: str, title: str, subtitle: str, stem: str) -> FeedSpec:
        return FeedSpec(
            key=key,
            title=title,
            subtitle=subtitle,
            base_url=config.base_url,
            atom_path=f"{stem}.atom",
            rss_path=f"{stem}.rss",
            json_path=f"{stem}.json",
            page_path="index.html",
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
    seen = min((i.first_seen.timestamp() for i in (story.lead, *story.others) if i.first_seen), default=0.0)
    date = story.date.timestamp() if story.date else 0.0
    return (seen, date, story.id)


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


def render_opml(title: str, specs: Sequence[FeedSpec]) -> bytes:
    """An OPML 2.0 list of every feed kzfeed writes, for importing into a feed reader."""
    e = html.escape
    outlines = []
    for spec in specs:
        for path, kind in ((spec.atom_path, "Atom"), (spec.rss_path, "RSS"), (spec.json_path, "JSON Feed")):
            outlines.append(
                f'    <outline type="rss" text="{e(spec.title)} ({kind})" title="{e(spec.title)} ({kind})" '
                f'xmlUrl="{e(spec.base_url + path)}" htmlUrl="{e(spec.base_url + spec.page_path)}"/>'
            )
    body = "\n".join(outlines)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n'
        f"  <head>\n    <title>{e(title)}</title>\n  </head>\n  <body>\n{body}\n  </body>\n</opml>\n"
    ).encode()


def build_outputs(config: Config, items: list[Item]) -> dict[str, bytes]:
    """Every file of ``public/``, as ``{relative path: bytes}``, from the relevant items."""
    topics = list(TOPICS) + sorted({t for i in items for t in i.topics} - set(TOPICS))
    specs = feed_specs(config, topics)
    stories = group_stories(items)
    fallback = max((i.date for i in items if i.date), default=None)
    outputs: dict[str, bytes] = {}
    for spec in specs:
        topic = spec.key.removeprefix("topic:") if spec.key != "all" else None
        selected = [s for s in stories if topic is None or topic in s.topics]
        current, archives = page_stories(selected, config.feed_size)
        for page, chunk in enumerate(archives, start=1):
            archive = spec.archive(page)
            outputs[archive_path(spec.atom_path, page)] = render_atom(archive, chunk, fallback=fallback)
            outputs[archive_path(spec.rss_path, page)] = render_rss(archive, chunk, fallback=fallback)
        spec = replace(spec, archives=len(archives))
        outputs[spec.atom_path] = render_atom(spec, current, fallback=fallback)
        outputs[spec.rss_path] = render_rss(spec, current, fallback=fallback)
        outputs[spec.json_path] = render_json_feed(spec, current)
    for item in items:
        if own_url(item) is None:  # no http(s) URL of its own: its page is the link
            outputs[f"items/{item.id}.html"] = render_item_page(item, config.base_url).encode()
    outputs["index.html"] = render_index(
        config.title, config.subtitle, stories[: config.feed_size], specs
    ).encode()
    outputs["feeds.opml"] = render_opml(config.title, specs)
    outputs[STYLESHEET] = resources.files("kzfeed.publish").joinpath("assets", STYLESHEET).read_bytes()
    return outputs


def publish(config: Config, store: StoreProtocol) -> list[Path]:
    """Write the feeds and pages to ``config.output_dir``. Files whose bytes did not change
    are left alone (their modification time too); an archive document already written is
    never rewritten; pages of items no longer shown are removed. Returns the files written."""
    outputs = build_outputs(config, store.items(relevant=True))
    out = config.output_dir
    outputs = {rel: data for rel, data in outputs.items() if not (_ARCHIVE.search(rel) and _kept(out / rel))}
    return write_outputs(out, outputs, prune=("items",))


def _kept(archive: Path) -> bool:
    """An archive document already written stays as it is, unless an earlier renderer wrote
    it (one that could let a site's markup through): that one is written again, once."""
    try:
        with archive.open("rb") as fh:
            return RENDERER.encode() in fh.read(4096)
    except OSError:
        return False


def write_outputs(out_dir: Path, outputs: Mapping[str, bytes], *, prune: Iterable[str] = ()) -> list[Path]:
    """Write ``outputs`` under ``out_dir`` atomically, skipping files whose bytes are the same;
    remove files of the ``prune`` folders that are no longer among ``outputs``."""
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
        for folder in prune:
            for path in sorted((out_dir / folder).glob("*")):
                if path.is_file() and path.relative_to(out_dir).as_posix() not in outputs:
                    path.unlink()
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
