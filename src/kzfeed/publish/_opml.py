"""OPML 2.0, the file feed readers exchange subscriptions in: reading its feeds, writing ours."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

from kzfeed.errors import InputError

__all__ = ["Subscription", "read_opml", "render_opml"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    """One feed of an OPML file: its URL, its title and the site's address (if given)."""

    url: str
    title: str = ""
    html_url: str | None = None


def read_opml(path: Path) -> list[Subscription]:
    """The feeds (outlines with an ``xmlUrl``) of an OPML file, folders included, in order.

    Raises ``InputError`` when the file cannot be read or is not OPML."""
    try:
        root = ET.fromstring(path.read_bytes())
    except OSError as exc:
        raise InputError(f"cannot read {str(path)!r}: {exc.strerror}") from exc
    except ET.ParseError as exc:
        raise InputError(
            f"{str(path)!r} is not valid XML ({exc}); export it again from the feed reader"
        ) from exc
    if root.tag != "opml" or root.find("body") is None:
        raise InputError(f"{str(path)!r} is not an OPML file (no <opml><body>); export it again")
    found: list[Subscription] = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            continue
        title = (outline.get("title") or outline.get("text") or "").strip()
        found.append(Subscription(url=url, title=title, html_url=outline.get("htmlUrl") or None))
    return found


def render_opml(title: str, subscriptions: Sequence[Subscription], *, created: datetime | None = None) -> str:
    """An OPML 2.0 document listing ``subscriptions`` as ``type="rss"`` outlines: kzfeed's one
    OPML writer (``kzfeed sources export`` and ``public/feeds.opml``). Without ``created`` the
    document has no ``dateCreated``, so the same feeds give the same bytes."""
    opml = ET.Element("opml", version="2.0")
    head = ET.SubElement(opml, "head")
    ET.SubElement(head, "title").text = title
    if created is not None:
        ET.SubElement(head, "dateCreated").text = format_datetime(created)
    ET.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ET.SubElement(opml, "body")
    for sub in subscriptions:
        attrs = {
            "type": "rss",
            "text": sub.title or sub.url,
            "title": sub.title or sub.url,
            "xmlUrl": sub.url,
        }
        if sub.html_url:
            attrs["htmlUrl"] = sub.html_url
        ET.SubElement(body, "outline", attrs)
    ET.indent(opml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(opml, encoding="unicode") + "\n"
