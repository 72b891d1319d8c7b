"""The HTML pages written beside the feeds, from the Jinja2 templates in ``templates/``
(autoescaped: every text from a source goes out escaped, its HTML only through the
sanitiser): one page per feed document (the front page, a page per topic, a page per archive
document), one page per story listing all its reports, and one per item that has no URL of
its own. No page needs JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from kzfeed.models import Item, Story, topic_label
from kzfeed.publish._entries import (
    ShownDate,
    entry_author,
    entry_date,
    entry_summary,
    item_link,
    own_url,
    safe_content,
)
from kzfeed.publish._feeds import FeedSpec, archive_path

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "MAIN_TOPICS",
    "Site",
    "feed_page_path",
    "main_topics",
    "outlet_name",
    "render_feed_page",
    "render_item_page",
    "render_story_page",
    "shown_date",
    "story_page_path",
]

#: how many topics a story shows on the pages (its main ones, by score)
MAIN_TOPICS = 3
_SUMMARY_CHARS = 280  # the pages show two lines of it; the rest is cut on a word
_LANGUAGES = {"en": "English", "fr": "French", "ru": "Russian", "de": "German", "kk": "Kazakh"}
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")
_FEED_SUFFIXES = (".atom", ".rss", ".json")


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    """What every page shows of the site: its title and subtitle, its feeds, and why a feed
    with no story is empty (``None``: the sources were read)."""

    title: str
    subtitle: str
    specs: Sequence[FeedSpec]
    renderer: str
    #: the topics that have at least one story (the topic filters link only to those)
    topics_present: frozenset[str] = frozenset()
    no_runs: bool = False


def feed_page_path(feed_path: str) -> str:
    """The page a person reads a feed document on: ``feed.atom`` → ``index.html``,
    ``topics/energy.rss`` → ``topics/energy.html``, ``feed-archive-2.json`` →
    ``feed-archive-2.html``. ``kzfeed serve`` answers a browser on a feed's address with it."""
    stem = feed_path
    for suffix in _FEED_SUFFIXES:
        stem = stem.removesuffix(suffix)
    return "index.html" if stem == "feed" else f"{stem}.html"


def story_page_path(story: Story) -> str | None:
    """Where a story's page is written (None for an id that is no safe file name)."""
    return f"stories/{story.id}.html" if _SAFE_ID.fullmatch(story.id) else None


#: who published a report and the date shown for it: one rule for the pages and the feeds
outlet_name = entry_author
shown_date = entry_date


def main_topics(story: Story, limit: int = MAIN_TOPICS) -> list[str]:
    """The story's topics with the highest score in any of its reports, at most ``limit``."""
    best: dict[str, float] = {}
    for n, item in enumerate((story.lead, *story.others)):
        if item.classification is None:
            continue
        for tag in item.classification.topics:
            # the lead's topics win ties: they are what the shown report is about
            score = tag.score + (0.001 if n == 0 else 0.0)
            best[tag.topic] = max(best.get(tag.topic, score), score)
    return sorted(best, key=lambda t: -best[t])[:limit]


def _cut(text: str, limit: int = _SUMMARY_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.—-") + "…"


def _language(code: str) -> str:
    return _LANGUAGES.get(code, code)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Report:
    title: str
    href: str
    outlet: str | None
    lang: str | None
    language: str | None
    date: ShownDate
    summary: str


def _report(item: Item, root: str) -> _Report:
    return _Report(
        title=item.title,
        href=item_link(item, root),
        outlet=outlet_name(item),
        lang=item.lang,
        language=_language(item.lang) if item.lang else None,
        date=shown_date(item),
        summary=_cut(entry_summary(item)),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class _StoryView:
    lead: _Report
    reports: int
    outlets: list[str]
    languages: list[str]
    topics: list[tuple[str, str]]  # (slug, label)
    page: str | None


def _story_view(story: Story, root: str) -> _StoryView:
    items = (story.lead, *story.others)
    outlets = list(dict.fromkeys(o for o in map(outlet_name, items) if o))
    languages = list(dict.fromkeys(_language(i.lang) for i in items if i.lang))
    page = story_page_path(story)
    return _StoryView(
        lead=_report(story.lead, root),
        reports=len(items),
        outlets=outlets,
        languages=languages,
        topics=[(t, topic_label(t)) for t in main_topics(story)],
        page=root + page if page else None,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class _FeedLinks:
    key: str
    label: str
    atom: str
    rss: str
    json: str
    page: str


def _feed_links(spec: FeedSpec, root: str) -> _FeedLinks:
    topic = spec.key.removeprefix("topic:")
    return _FeedLinks(
        key=topic,
        label="Everything" if spec.key == "all" else topic_label(topic),
        atom=root + spec.path(spec.atom_path),
        rss=root + spec.path(spec.rss_path),
        json=root + spec.json_path if spec.json_path and spec.page is None else "",
        page=root + feed_page_path(spec.path(spec.atom_path)),
    )


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2  # late: only rendering needs it

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kzfeed.publish", "templates"),
        autoescape=True,  # every template, whatever its name: text from sources is hostile
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def _render(template: str, **context: Any) -> str:
    return _environment().get_template(template).render(**context)


def _root(path: str) -> str:
    return "../" * path.count("/")


def _empty_reason(site: Site, spec: FeedSpec) -> str:
    if site.no_runs:
        return "no-runs"
    if not site.topics_present:
        return "off-beat"
    return "topic" if spec.key != "all" else "off-beat"


def render_feed_page(site: Site, spec: FeedSpec, stories: Sequence[Story]) -> str:
    """The page of one feed document (``spec``, with its ``page`` for an archive document):
    its stories, each with date, outlets, languages, a short summary and its main topics;
    the topic filters; for the front page, the feeds to subscribe to. When there is no story
    the page says why (no run yet, nothing on the beat yet, nothing on this topic yet)."""
    path = feed_page_path(spec.path(spec.atom_path))
    root = _root(path)
    this = _feed_links(spec, root)
    older = newer = None
    if spec.page is None and spec.archives:
        older = root + feed_page_path(archive_path(spec.atom_path, spec.archives))
    if spec.page is not None:
        newer = root + feed_page_path(spec.atom_path)
        if spec.page > 1:
            older = root + feed_page_path(archive_path(spec.atom_path, spec.page - 1))
    heads = site.specs  # the subscription documents
    filters = [_feed_links(s, root) for s in heads if s.key == "all" or s.key[6:] in site.topics_present]
    return _render(
        "feed.html",
        site=site,
        spec=spec,
        this=this,
        front=spec.key == "all" and spec.page is None,
        stories=[_story_view(s, root) for s in stories],
        empty=None if stories else _empty_reason(site, spec),
        filters=filters,
        feeds=[_feed_links(s, root) for s in heads],
        older=older,
        newer=newer,
        root=root,
        canonical=spec.base_url + path,
    )


def render_story_page(site: Site, story: Story, base_url: str) -> str:
    """The page of one story: every report of it, across outlets and languages, linked."""
    page = story_page_path(story) or "stories/story.html"
    root = _root(page)
    view = _story_view(story, root)
    reports = [_report(i, root) for i in (story.lead, *story.others)]
    return _render(
        "story.html",
        site=site,
        story=view,
        reports=reports,
        root=root,
        canonical=base_url + page,
    )


def render_item_page(site: Site, item: Item, base_url: str) -> str:
    """A readable page for one item (the link of items that have no URL of their own)."""
    from markupsafe import Markup

    root = "../"
    return _render(
        "item.html",
        site=site,
        report=_report(item, root),
        topics=[(t, topic_label(t)) for t in item.topics[:MAIN_TOPICS]],
        original=own_url(item),
        story=f"{root}stories/{story_id}.html"
        if _SAFE_ID.fullmatch(story_id := item.story_id or item.id)
        else None,
        # the stored HTML, sanitised again on its way out: the only markup that is not escaped
        content=Markup(safe_content(item)),
        root=root,
        canonical=item_link(item, base_url),
    )
