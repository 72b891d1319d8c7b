"""What a feed entry shows of a story, the same in Atom, RSS, JSON Feed and the pages: its id,
link, credit (outlet, author or site), the one date shown, summary and content HTML.

Stored HTML is sanitised again on its way out; URLs go out only when they are http(s).
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urlsplit

from kzfeed.articles import safe_url, sanitize_html
from kzfeed.models import Item, Story

__all__ = [
    "Entry",
    "ShownDate",
    "as_story",
    "entry_author",
    "entry_content",
    "entry_date",
    "entry_id",
    "entry_summary",
    "item_link",
    "own_url",
    "safe_content",
    "site_label",
]

Entry = Item | Story


def as_story(entry: Entry) -> Story:
    """A lone item is a story of one report."""
    return entry if isinstance(entry, Story) else Story(id=entry.id, lead=entry)


def entry_id(entry: Entry) -> str:
    """The Atom/RSS id of a story: a URN made from the id of the report that started it (for a
    lone item, its own id), the same in every database."""
    return f"urn:uuid:{entry.id}"


def own_url(item: Item) -> str | None:
    """The article's own URL, if it is an http(s) one (else it gets a page of its own)."""
    return _safe_url(item.url) if item.url else None


#: ``safe_url`` of a report's URL, kept: a render asks for each report's several times (its
#: link, its credit, in each feed, page and format it is in: ~29,000 parses for 200 feeds)
_safe_url = lru_cache(maxsize=8192)(safe_url)


def item_link(item: Item, base_url: str) -> str:
    """The article's own URL when it is an http(s) one, else its page under ``base_url``."""
    return own_url(item) or f"{base_url}items/{item.id}.html"


def safe_content(item: Item) -> str:
    """The item's stored HTML, sanitised again on its way out (see ``_safe_html``)."""
    return _safe_html(item.content_html)


def entry_author(item: Item) -> str | None:
    """Who a report is credited to: its outlet, else its author, else its site's name (the
    host of its URL); ``None`` when nothing is known. Never the name of the kzfeed source it
    came through: "seeds" or "astana-times-rss" is the operator's label, not an outlet."""
    if item.outlet or item.author:
        return item.outlet or item.author
    url = own_url(item)
    return _site(url) if url else None


@lru_cache(maxsize=8192)
def _site(url: str) -> str | None:
    """The host of ``url`` without ``www.`` (kept: see ``_safe_url``)."""
    host = urlsplit(url).hostname
    return host.removeprefix("www.") if host else None


@dataclass(frozen=True, slots=True)
class ShownDate:
    """The one date a reader is shown for a report, in the feeds and on the pages alike."""

    when: datetime | None
    #: the source gave no date: ``when`` is the time kzfeed first saw the report
    first_seen: bool = False

    @property
    def iso(self) -> str:
        return self.when.isoformat() if self.when else ""

    def __str__(self) -> str:
        """As a page shows it: ``7 May 2025``, ``first seen 7 May 2025`` or ``date unknown``."""
        if self.when is None:
            return "date unknown"
        when = self.when.astimezone(UTC)
        day = f"{when.day} {when:%b %Y}"
        return f"first seen {day}" if self.first_seen else day

    def label(self) -> str:
        """``2026-11-30``, ``first seen 2026-11-30`` or ``date unknown``."""
        if self.when is None:
            return "date unknown"
        day = self.when.astimezone(UTC).strftime("%Y-%m-%d")
        return f"first seen {day}" if self.first_seen else day


def entry_date(item: Item) -> ShownDate:
    """The date shown for ``item``: when it was published, else last updated, else (marked as
    such) when kzfeed first saw it."""
    if item.published or item.updated:
        return ShownDate(item.published or item.updated)
    return ShownDate(item.first_seen, first_seen=item.first_seen is not None)


def entry_summary(item: Item) -> str:
    """The plain-text summary of an entry (its title when it has none)."""
    return item.summary or item.title


@lru_cache(maxsize=4096)  # an item is in several feeds; 4,096 covers the usual archive
def _safe_html(markup: str) -> str:
    # stored HTML was sanitised when it was stored, but perhaps by an older, weaker kzfeed:
    # it is sanitised again on its way out (nh3 is fast; one item is in several feeds)
    return sanitize_html(markup)


def entry_content(story: Story, base_url: str) -> str:
    """The HTML of an entry: the lead report, its source, and the other reports of the story
    (outlet and language, linked)."""
    lead = story.lead
    link = html_lib.escape(item_link(lead, base_url), quote=True)
    who = entry_author(lead)
    credit = (
        f'Source: <a href="{link}">{html_lib.escape(who, quote=False)}</a>'
        if who
        else f'<a href="{link}">Source</a>'
    )
    shown = entry_date(lead)
    if shown.first_seen:
        credit += f" · {shown.label()} (the source gave no date)"
    parts = [safe_content(lead), f"<p><small>{credit}</small></p>"]
    if story.others:
        also = ", ".join(
            f'<a href="{html_lib.escape(item_link(o, base_url), quote=True)}">'
            f"{html_lib.escape(entry_author(o) or site_label(o), quote=False)}</a>"
            + (f" ({html_lib.escape(o.lang, quote=False)})" if o.lang else "")
            for o in story.others
        )
        parts.append(f"<p><small>Also reported by: {also}</small></p>")
    return "\n".join(parts)


def site_label(item: Item) -> str:
    """How a report with no known outlet is named in a list of reports."""
    return f"a report in {item.lang}" if item.lang else "another report"
