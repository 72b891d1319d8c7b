"""A feedvalidator-style check of what RFC 4287 (Atom), RSS 2.0 and JSON Feed 1.1 require,
for feeds served at a known URL. Each check returns a list of problems (empty when valid)."""

from __future__ import annotations

import json
import re
from typing import Any

from lxml import etree

A = "{http://www.w3.org/2005/Atom}"
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} ([+-]\d{4}|GMT|UT|[A-Z]{3})$"
)
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")


def _text(el: Any, path: str) -> str | None:
    found = el.find(path)
    return found.text if found is not None else None


def check_atom(data: bytes, served_at: str) -> list[str]:
    problems = []
    root = etree.fromstring(data)
    if root.tag != f"{A}feed":
        return [f"root is {root.tag}, not atom:feed"]
    for what, el in [("feed", root), *((f"entry {n}", e) for n, e in enumerate(root.findall(f"{A}entry")))]:
        ident = _text(el, f"{A}id")
        if not ident or not _IRI.match(ident):
            problems.append(f"{what}: atom:id {ident!r} is not an IRI")
        if not (_text(el, f"{A}title") or "").strip():
            problems.append(f"{what}: no atom:title")
        for tag in ("updated", "published"):
            for d in el.findall(f"{A}{tag}"):
                if not _RFC3339.match(d.text or ""):
                    problems.append(f"{what}: atom:{tag} {d.text!r} is not an RFC 3339 date")
        if el.find(f"{A}updated") is None:
            problems.append(f"{what}: no atom:updated")
        for link in el.findall(f"{A}link"):
            if not _IRI.match(link.get("href", "")):
                problems.append(f"{what}: link href {link.get('href')!r} is not an absolute IRI")
    selfs = [link.get("href") for link in root.findall(f"{A}link") if link.get("rel") == "self"]
    if selfs != [served_at]:
        problems.append(f"self links {selfs} are not [{served_at!r}]")
    ids = []
    for n, entry in enumerate(root.findall(f"{A}entry")):
        ids.append(_text(entry, f"{A}id"))
        if entry.find(f"{A}author/{A}name") is None:
            problems.append(f"entry {n}: no author of its own")
        if entry.find(f"{A}content") is None and entry.find(f"{A}link[@rel='alternate']") is None:
            problems.append(f"entry {n}: neither content nor an alternate link")
        if entry.find(f"{A}summary") is None:
            problems.append(f"entry {n}: no summary")
        alternates = {
            (link.get("type"), link.get("hreflang")) for link in entry.findall(f"{A}link[@rel='alternate']")
        }
        if len(alternates) != len(entry.findall(f"{A}link[@rel='alternate']")):
            problems.append(f"entry {n}: two alternate links of the same type and language")
    if len(ids) != len(set(ids)):
        problems.append("entry ids are not unique")
    return problems


def check_rss(data: bytes, served_at: str) -> list[str]:
    problems = []
    root = etree.fromstring(data)
    if root.tag != "rss" or root.get("version") != "2.0":
        return ["root is not <rss version='2.0'>"]
    channel = root.find("channel")
    for tag in ("title", "link", "description"):
        if not (_text(channel, tag) or "").strip():
            problems.append(f"channel: no {tag}")
    for tag in ("pubDate", "lastBuildDate"):
        for d in channel.findall(tag):
            if not _RFC822.match(d.text or ""):
                problems.append(f"channel: {tag} {d.text!r} is not an RFC 822 date")
    selfs = [link.get("href") for link in channel.findall(f"{A}link") if link.get("rel") == "self"]
    if selfs != [served_at]:
        problems.append(f"self links {selfs} are not [{served_at!r}]")
    guids = []
    for n, item in enumerate(channel.findall("item")):
        if not (_text(item, "title") or _text(item, "description")):
            problems.append(f"item {n}: neither title nor description")
        guid = item.find("guid")
        if guid is None or not _IRI.match(guid.text or ""):
            problems.append(f"item {n}: guid missing or not an IRI")
        else:
            guids.append(guid.text)
            if guid.get("isPermaLink", "true") == "true" and not (guid.text or "").startswith("http"):
                problems.append(f"item {n}: permalink guid {guid.text!r} is no URL")
        for d in item.findall("pubDate"):
            if not _RFC822.match(d.text or ""):
                problems.append(f"item {n}: pubDate {d.text!r} is not an RFC 822 date")
    if len(guids) != len(set(guids)):
        problems.append("item guids are not unique")
    return problems


def check_json_feed(data: bytes, served_at: str) -> list[str]:
    problems = []
    feed = json.loads(data)
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"version {feed.get('version')!r}")
    if not feed.get("title"):
        problems.append("no title")
    if feed.get("feed_url") != served_at:
        problems.append(f"feed_url {feed.get('feed_url')!r} is not {served_at!r}")
    if not isinstance(feed.get("items"), list):
        return [*problems, "items is not a list"]
    ids = []
    for n, item in enumerate(feed["items"]):
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"item {n}: no string id")
        ids.append(item.get("id"))
        if "content_html" not in item and "content_text" not in item:
            problems.append(f"item {n}: neither content_html nor content_text")
        for key in ("date_published", "date_modified"):
            if key in item and not _RFC3339.match(item[key]):
                problems.append(f"item {n}: {key} {item[key]!r} is not RFC 3339")
        for author in item.get("authors", []):
            if not isinstance(author, dict) or not author.get("name"):
                problems.append(f"item {n}: an author with no name")
    if len(ids) != len(set(ids)):
        problems.append("item ids are not unique")
    return problems
