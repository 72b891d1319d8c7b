"""Static HTML pages written beside the feeds: one page per item, and the index page."""

from __future__ import annotations

import html
from collections.abc import Sequence

from kzfeed.feeds import FeedSpec, item_link
from kzfeed.models import Item, topic_label

__all__ = ["render_index", "render_item_page"]

_STYLE = """
body{font:17px/1.55 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
a{color:#0b57d0}header p,footer,.meta{color:#555;font-size:.9rem}
h1{line-height:1.2}.tags a{margin-right:.6rem}li{margin:.6rem 0}
""".strip()


def _e(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def _page(title: str, body: str, *, head: str = "", lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n{head}</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _date(item: Item) -> str:
    if item.published is None:
        return "date unknown"
    return item.published.strftime("%Y-%m-%d %H:%M UTC")


def render_item_page(item: Item, base_url: str) -> str:
    """A readable page for one item (the link of items that have no URL of their own)."""
    topics = " ".join(f'<a href="../topics/{_e(t)}.atom">{_e(topic_label(t))}</a>' for t in item.topics)
    original = f' · <a href="{_e(item.url)}">original article</a>' if item.url else ""
    body = (
        f'<p><a href="../index.html">kzfeed</a></p>\n<article lang="{_e(item.lang or "")}">\n'
        f"<h1>{_e(item.title)}</h1>\n"
        f'<p class="meta">{_e(item.outlet or item.author or item.source)} · {_e(_date(item))}{original}</p>\n'
        f'<p class="tags">{topics}</p>\n{item.content_html}\n</article>'
    )
    head = f'<link rel="canonical" href="{_e(item_link(item, base_url))}">\n'
    return _page(item.title, body, head=head, lang=item.lang or "en")


def render_index(title: str, subtitle: str, items: Sequence[Item], feeds: Sequence[FeedSpec]) -> str:
    """The front page: links to every feed (with auto-discovery tags) and the recent stories."""
    head = "".join(
        f'<link rel="alternate" type="application/atom+xml" title="{_e(f.title)}" href="{_e(f.atom_path)}">\n'
        f'<link rel="alternate" type="application/rss+xml" title="{_e(f.title)} (RSS)" href="{_e(f.rss_path)}">\n'
        for f in feeds
    )
    feed_list = "\n".join(
        f'<li>{_e(f.title)}: <a href="{_e(f.atom_path)}">Atom</a> · <a href="{_e(f.rss_path)}">RSS</a></li>'
        for f in feeds
    )
    stories = "\n".join(
        f'<li><a href="{_e(item_link(i, ""))}">{_e(i.title)}</a><br>'
        f'<span class="meta">{_e(i.outlet or i.author or i.source)} · {_e(_date(i))} · '
        f"{_e(', '.join(topic_label(t) for t in i.topics))}</span></li>"
        for i in items
    )
    body = (
        f"<header><h1>{_e(title)}</h1><p>{_e(subtitle)}</p></header>\n"
        f"<h2>Recent stories</h2>\n<ul>\n{stories}\n</ul>\n"
        f"<h2>Feeds</h2>\n<ul>\n{feed_list}\n</ul>"
    )
    return _page(title, body, head=head)
