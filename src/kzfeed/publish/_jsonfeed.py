"""Rendering JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) from the same stories as
the Atom and RSS feeds: the same ids, titles, links, dates and content."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from kzfeed.articles import safe_url
from kzfeed.models import topic_label
from kzfeed.publish._entries import (
    Entry,
    as_story,
    entry_author,
    entry_content,
    entry_date,
    entry_id,
    entry_summary,
    item_link,
)
from kzfeed.publish._feeds import FeedSpec

__all__ = ["JSON_FEED_VERSION", "render_json_feed"]

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def _date(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def render_json_feed(spec: FeedSpec, entries: Sequence[Entry]) -> bytes:
    """A JSON Feed 1.1 document of ``entries`` (newest first), served at ``spec.json_path``."""
    items: list[dict[str, Any]] = []
    for story in (as_story(e) for e in entries):
        lead = story.lead
        entry: dict[str, Any] = {
            "id": entry_id(story),
            "url": item_link(lead, spec.base_url),
            "title": lead.title,
            "content_html": entry_content(story, spec.base_url),
            "summary": entry_summary(lead),
            "tags": [topic_label(t) for t in story.topics],
        }
        author = entry_author(lead)
        if author:
            entry["authors"] = [{"name": author}]
        shown = entry_date(lead)
        extension: dict[str, Any] = {}
        if shown.when is not None:
            entry["date_published"] = _date(shown.when)
            if shown.first_seen:  # JSON Feed has no word for it: said in kzfeed's extension
                extension["date_is_first_seen"] = True
        if lead.date is not None and lead.date != shown.when:
            entry["date_modified"] = _date(lead.date)
        if lead.lang:
            entry["language"] = lead.lang
        image = safe_url(lead.image) if lead.image else None
        if image:
            entry["image"] = image
        if story.others:
            extension["also_reported_by"] = [
                {"name": entry_author(o) or o.lang or "", "url": item_link(o, spec.base_url)}
                for o in story.others
            ]
        if extension:
            entry["_kzfeed"] = extension
        items.append(entry)
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": spec.title,
        "home_page_url": spec.base_url + (spec.page_path or ""),
        "feed_url": spec.base_url + spec.json_path,
        "description": spec.subtitle,
        "language": "en",
        "authors": [{"name": "kzfeed"}],
        "items": items,
    }
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
