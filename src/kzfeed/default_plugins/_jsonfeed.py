"""Reading a JSON Feed (1.0 or 1.1, https://jsonfeed.org) into the shape feedparser gives an
RSS or Atom feed, so that the ``rss`` source type reads all three the same way.

feedparser 6 reads no JSON Feed; the format is plain JSON, read here with the json module.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

__all__ = ["looks_like_json", "parse_json_feed"]

_VERSION = "https://jsonfeed.org/version/"


def looks_like_json(text: str) -> bool:
    """True when the body starts like a JSON object (a JSON Feed, or some other JSON)."""
    return text.lstrip("\ufeff \t\r\n").startswith("{")


def parse_json_feed(text: str) -> dict[str, Any] | None:
    """The feed as feedparser would give it (``version``, ``feed``, ``entries``), or ``None``
    when the text is not a JSON Feed (not JSON, or no jsonfeed.org ``version``)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(_VERSION):
        return None
    version = "json11" if str(data["version"]).rstrip("/").endswith("1.1") else "json1"
    feed = {
        "title": _str(data.get("title")),
        "link": _str(data.get("home_page_url")),
        "language": _str(data.get("language")),
    }
    items = data.get("items")
    entries = [_entry(item) for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    return {"version": version, "feed": feed, "entries": entries, "bozo": False}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _author(item: dict[str, Any]) -> str | None:
    authors = item.get("authors")  # 1.1: a list; 1.0: one "author"
    if not isinstance(authors, list):
        authors = [item.get("author")]
    names = [_str(a.get("name")) for a in authors if isinstance(a, dict)]
    return ", ".join(n for n in names if n) or None


def _entry(item: dict[str, Any]) -> dict[str, Any]:
    html = _str(item.get("content_html"))
    text = _str(item.get("content_text"))
    if html is None and text is not None:
        html = "".join(f"<p>{escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())
    attachments = item.get("attachments")
    enclosures = [
        {"href": a["url"], "type": _str(a.get("mime_type")) or ""}
        for a in (attachments if isinstance(attachments, list) else [])
        if isinstance(a, dict) and _str(a.get("url"))
    ]
    image = _str(item.get("image")) or _str(item.get("banner_image"))
    tags = item.get("tags")
    return {
        "id": str(item["id"]) if isinstance(item.get("id"), str | int) else None,
        "link": _str(item.get("url")) or _str(item.get("external_url")),
        "title": _str(item.get("title")),
        "summary": _str(item.get("summary")),
        "content": [{"value": html}] if html else [],
        "author": _author(item),
        "published": _str(item.get("date_published")),
        "updated": _str(item.get("date_modified")),
        "tags": [{"term": t} for t in tags if _str(t)] if isinstance(tags, list) else [],
        "enclosures": enclosures,
        "media_content": [{"url": image, "medium": "image"}] if image else [],
        "language": _str(item.get("language")),
    }
