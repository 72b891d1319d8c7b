"""Static HTML pages written beside the feeds: one page per item, and the index page."""

from __future__ import annotations

import html
from collections.abc import Sequence

from kzfeed.models import Item, Story, topic_label
from kzfeed.publish._feeds import FeedSpec, item_link, own_url, safe_content

__all__ = ["render_index", "render_item_page"]

_STYLE = """
body{font:17px/1.55 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
a{color:#0b57d0}header p,footer,.meta{color:#555;font-size:.9rem}
h1{line-height:1.2}.tags a{margin-right:.6rem}li{margin:.6rem 0}a[aria-current]{font-weight:bold}
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
    url = own_url(item)
    original = f' · <a href="{_e(url)}">original article</a>' if url else ""
    body = (
        f'<p><a href="../index.html">kzfeed</a></p>\n<article lang="{_e(item.lang or "")}">\n'
        f"<h1>{_e(item.title)}</h1>\n"
        f'<p class="meta">{_e(item.outlet or item.author or item.source)} · {_e(_date(item))}{original}</p>\n'
        f'<p class="tags">{topics}</p>\n{safe_content(item)}\n</article>'
    )
    head = f'<link rel="canonical" href="{_e(item_link(item, base_url))}">\n'
    return _page(item.title, body, head=head, lang=item.lang or "en")


_FILTER_SCRIPT = """
function kzfeedFilter() {
  var m = /^#topic=([a-z0-9_-]+)$/.exec(location.hash), topic = m ? m[1] : "";
  document.querySelectorAll("#stories > li").forEach(function (li) {
    li.hidden = topic !== "" && li.dataset.topics.split(" ").indexOf(topic) < 0;
  });
  document.querySelectorAll("#filters a").forEach(function (a) {
    a.toggleAttribute("aria-current", a.getAttribute("href") === (topic ? "#topic=" + topic : "#"));
  });
}
window.addEventListener("hashchange", kzfeedFilter);
kzfeedFilter();
""".strip()


def _story(story: Story) -> str:
    lead = story.lead
    also = ""
    if story.others:
        links = ", ".join(
            f'<a href="{_e(item_link(o, ""))}">{_e(o.outlet or o.author or o.source)}</a>'
            for o in story.others
        )
        also = f'<br><span class="meta">Also reported by: {links}</span>'
    return (
        f'<li data-topics="{_e(" ".join(story.topics))}"><a href="{_e(item_link(lead, ""))}">{_e(lead.title)}</a><br>'
        f'<span class="meta">{_e(lead.outlet or lead.author or lead.source)} · {_e(_date(lead))} · '
        f"{_e(', '.join(topic_label(t) for t in story.topics))}</span>{also}</li>"
    )


#: the front page before any story is on the beat: why, and what the operator can do
_EMPTY = (
    '<p id="empty">No story on the beat yet. Either no source has been read yet '
    "(<code>kzfeed run</code>), or what the sources brought is not about cooperation between "
    "Kazakhstan and the European Union: <code>kzfeed items --all</code> lists every article "
    "with the reason it was left out.</p>\n"
)


def render_index(title: str, subtitle: str, stories: Sequence[Story], feeds: Sequence[FeedSpec]) -> str:
    """The front page: the recent stories with topic filters, and links (and auto-discovery
    tags) for every feed."""
    head = "".join(
        f'<link rel="alternate" type="application/atom+xml" title="{_e(f.title)}" href="{_e(f.atom_path)}">\n'
        f'<link rel="alternate" type="application/rss+xml" title="{_e(f.title)} (RSS)" href="{_e(f.rss_path)}">\n'
        + (
            f'<link rel="alternate" type="application/feed+json" title="{_e(f.title)} (JSON)" '
            f'href="{_e(f.json_path)}">\n'
            if f.json_path
            else ""
        )
        for f in feeds
    )
    feed_list = "\n".join(
        f'<li>{_e(f.title)}: <a href="{_e(f.atom_path)}">Atom</a> · <a href="{_e(f.rss_path)}">RSS</a>'
        + (f' · <a href="{_e(f.json_path)}">JSON Feed</a>' if f.json_path else "")
        + "</li>"
        for f in feeds
    )
    present = {t for s in stories for t in s.topics}
    filters = " ".join(
        ['<a href="#">All</a>']
        + [
            f'<a href="#topic={_e(f.key.removeprefix("topic:"))}">{_e(topic_label(f.key.removeprefix("topic:")))}</a>'
            for f in feeds
            if f.key.removeprefix("topic:") in present
        ]
    )
    listing = (
        f'<nav id="filters" class="tags">Topics: {filters}</nav>\n'
        f'<ul id="stories">\n{"".join(_story(s) + chr(10) for s in stories)}</ul>\n'
        if stories
        else _EMPTY
    )
    body = (
        f"<header><h1>{_e(title)}</h1><p>{_e(subtitle)}</p></header>\n"
        f"<h2>Recent stories</h2>\n{listing}"
        f'<h2>Feeds</h2>\n<ul id="feeds">\n{feed_list}\n</ul>\n'
        f'<p>All feeds as an OPML file to import into a feed reader: <a href="feeds.opml">feeds.opml</a></p>\n'
        f"<script>\n{_FILTER_SCRIPT}\n</script>"
    )
    return _page(title, body, head=head)
