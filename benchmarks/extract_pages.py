"""The article pages of ``bench_extract.py``: known article text inside the page furniture of
six kinds of site, and the reference text (what an extractor should return) of each page.

The article texts are not ours to judge: the 122 full-length articles of the labelled set
(``tests/data/classifier``, 1,500–5,000 characters in English, French, German, Russian and
Kazakh, written for this project as retellings of real reporting) and, where this Python has
them, the Japanese and Chinese prose of CPython's ``test/cjkencodings`` samples. Each text's
paragraphs that are sentences are the reference; its last short lines (share, tags, "read also",
photo credits, which the labelled set keeps as a scraper would find them) go into the page as
furniture and are not in the reference. The page templates are generated (seeded, so every run
builds the same pages): they imitate what news sites, blogs, CMS portals and press offices wrap a
story in, but they are not real pages, so the F1 figures say how the extractors deal with these
patterns, not with the web at large.
"""

from __future__ import annotations

import json
import random
import re
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELLED = [ROOT / "tests" / "data" / "classifier" / f"{split}.jsonl" for split in ("dev", "test")]
CJK = Path(sysconfig.get_paths()["stdlib"]) / "test" / "cjkencodings"
_SENTENCE = re.compile(r"[.!?…。！？»”\"')]$")


@dataclass(frozen=True)
class Page:
    name: str
    lang: str
    html: str
    reference: str  # the article body, paragraphs joined by newlines


@dataclass(frozen=True)
class _Text:
    lang: str
    title: str
    body: list[str]
    furniture: list[str]


def _split(text: str) -> tuple[list[str], list[str]]:
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    body = list(paragraphs)
    tail: list[str] = []
    while body and (len(body[-1].split()) < 6 or not _SENTENCE.search(body[-1])):
        tail.insert(0, body.pop())
    return body, tail


def texts() -> list[_Text]:
    found = []
    for path in LABELLED:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("form") != "full":
                continue
            body, tail = _split(row["text"])
            if len(body) >= 2:
                found.append(_Text(row["lang"], row["title"], body, tail))
    samples = {
        "ja": ("euc_jp-utf8.txt", "Python の歴史と言語設計"),
        "zh": ("gbk-utf8.txt", "Python 语言简介"),
    }
    for lang, (name, title) in samples.items():
        path = CJK / name
        if path.is_file():
            lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            if lang == "zh":  # hard-wrapped: rejoin into its two paragraphs
                lines = ["".join(lines[:5]), "".join(line.replace("\u3000", "") for line in lines[6:])]
            found.append(_Text(lang, title, lines, []))
    return found


_WORDS = (
    "Politics Business World Economy Sport Culture Opinion Technology Science Health Energy Regions "
    "Video Photo Podcasts Weather Markets Travel Education Society Analysis Interviews Archive"
).split()


def _menu(rng: random.Random, count: int) -> str:
    return "".join(f'<li><a href="/{w.lower()}/">{w}</a></li>' for w in rng.sample(_WORDS, count))


def _teasers(rng: random.Random, others: list[_Text], count: int, cls: str) -> str:
    picks = rng.sample(others, count)
    return "".join(
        f'<li class="{cls}"><a href="/news/{rng.randrange(10**6)}.html">{escape(t.title)}</a>'
        f'<span class="date">{rng.randint(1, 28)}.0{rng.randint(1, 9)}.2025</span></li>'
        for t in picks
    )


def _body(rng: random.Random, text: _Text, others: list[_Text], wrap: str = "p") -> str:
    out = []
    for i, paragraph in enumerate(text.body):
        out.append(f"<{wrap}>{escape(paragraph)}</{wrap}>")
        if i == 1 and rng.random() < 0.5:  # a picture inside the story
            out.append(
                f'<figure><img src="/img/{rng.randrange(10**5)}.jpg" alt=""><figcaption>'
                f"{escape(rng.choice(others).title)}</figcaption></figure>"
            )
        if i == 2 and rng.random() < 0.5:  # a "read also" box inside the story
            out.append(
                f'<div class="read-also"><a href="/news/{i}.html">{escape(rng.choice(others).title)}</a></div>'
            )
    out += [f'<div class="post-footer">{escape(line)}</div>' for line in text.furniture]
    return "\n".join(out)


def _head(text: _Text, site: str, rng: random.Random) -> str:
    date = f"2025-0{rng.randint(1, 9)}-{rng.randint(10, 28)}T{rng.randint(6, 20):02d}:15:00+05:00"
    style = "".join(f".c{k}{{margin:{k}px}}" for k in range(rng.randint(50, 300)))
    script = "".join(f"function f{k}(a){{return a*{k}}}" for k in range(rng.randint(20, 150)))
    return (
        f'<!DOCTYPE html><html lang="{text.lang}"><head><meta charset="utf-8">'
        f"<title>{escape(text.title)} | {site}</title>"
        f'<meta property="og:site_name" content="{site}"><meta property="article:published_time" content="{date}">'
        f"<style>{style}</style><script>{script}</script></head>"
    )


def _news(rng: random.Random, t: _Text, o: list[_Text]) -> str:
    return (
        _head(t, "Steppe Courier", rng)
        + f'<body><header><div class="logo">Steppe Courier</div><nav><ul>{_menu(rng, 14)}</ul></nav></header>'
        f'<div class="ticker">Breaking: {escape(rng.choice(o).title)}</div>'
        f'<main><article><h1>{escape(t.title)}</h1><div class="byline">By Aigerim Sadykova</div>'
        f'<div class="article-body">{_body(rng, t, o)}</div>'
        '<div class="share"><a href="#">Facebook</a> <a href="#">Telegram</a> <a href="#">X</a></div></article>'
        f'<section class="related"><h2>Related</h2><ul>{_teasers(rng, o, 6, "card")}</ul></section></main>'
        f"<aside><h2>Most read</h2><ol>{_teasers(rng, o, 8, 'top')}</ol>"
        '<div class="newsletter">Subscribe to our newsletter <input type="email"></div></aside>'
        f"<footer><ul>{_menu(rng, 10)}</ul><p>© 2025 Steppe Courier. All rights reserved.</p></footer></body></html>"
    )


def _wordpress(rng: random.Random, t: _Text, o: list[_Text]) -> str:
    comments = "".join(
        f'<li class="comment"><div class="comment-author">reader{k}</div><div class="comment-content">'
        f"<p>{escape(rng.choice(o).body[0])}</p></div></li>"
        for k in range(rng.randint(1, 4))
    )
    return (
        _head(t, "Caspian Notes", rng)
        + f'<body class="single-post"><div id="page"><header id="masthead"><ul class="menu">{_menu(rng, 8)}</ul></header>'
        f'<div id="content"><article class="post"><header class="entry-header"><h1 class="entry-title">{escape(t.title)}</h1>'
        '<div class="entry-meta">Posted on <time>March 3, 2025</time> by editor</div></header>'
        f'<div class="entry-content">{_body(rng, t, o)}</div>'
        '<footer class="entry-footer">Categories: News, Europe</footer></article>'
        f'<div id="comments"><h2>{rng.randint(1, 9)} comments</h2><ol class="comment-list">{comments}</ol></div></div>'
        f'<div id="secondary" class="widget-area"><section class="widget"><h2>Recent posts</h2><ul>{_teasers(rng, o, 5, "r")}</ul></section></div>'
        '<footer id="colophon">Proudly powered by WordPress</footer></div></body></html>'
    )


def _portal(rng: random.Random, t: _Text, o: list[_Text]) -> str:
    return (
        _head(t, "Astana Portal", rng) + f'<body><div class="region-header"><ul>{_menu(rng, 12)}</ul></div>'
        f'<div class="breadcrumb"><a href="/">Home</a> › <a href="/news">News</a> › {escape(t.title[:30])}</div>'
        f'<div class="layout"><div class="region-content"><div class="node node-article"><h1 class="page-title">{escape(t.title)}</h1>'
        f'<div class="field field-name-body">{_body(rng, t, o, wrap="p")}</div>'
        f'<div class="field field-tags">Tags: {", ".join(rng.sample(_WORDS, 4))}</div></div></div>'
        f'<div class="region-sidebar"><div class="block"><h2>Popular</h2><ul>{_teasers(rng, o, 10, "p")}</ul></div>'
        '<div class="block">Advertisement</div></div></div>'
        f'<div class="region-footer">{_menu(rng, 6)} Contacts: +7 7172 00 00 00</div></body></html>'
    )


def _press(rng: random.Random, t: _Text, o: list[_Text]) -> str:
    rows = "".join(f'<tr><td class="nav"><a href="/{w}">{w}</a></td></tr>' for w in rng.sample(_WORDS, 9))
    return (
        _head(t, "Press Office", rng)
        + f'<body><table class="layout"><tr><td class="left"><table>{rows}</table></td>'
        f'<td class="content"><h2 class="title">{escape(t.title)}</h2><div class="date">12.05.2025</div>'
        f"{_body(rng, t, o)}"
        '<p class="print"><a href="?print=1">Print</a> | <a href="#">Send by e-mail</a></p></td>'
        f'<td class="right"><div class="box"><h3>Announcements</h3><ul>{_teasers(rng, o, 4, "a")}</ul></div></td></tr></table>'
        "<div class='bottom'>Press service, 2025</div></body></html>"
    )


def _blog(rng: random.Random, t: _Text, o: list[_Text]) -> str:
    return (
        _head(t, "Field Notes", rng)
        + '<body><div class="container"><div class="top"><a href="/">Field Notes</a> · <a href="/about">About</a></div>'
        f'<div class="post"><h2>{escape(t.title)}</h2><div class="post-body">{_body(rng, t, o, wrap="div")}</div></div>'
        f'<div class="nav-links"><a href="/prev">« {escape(rng.choice(o).title)}</a></div></div></body></html>'
    )


def _magazine(rng: random.Random, t: _Text, o: list[_Text]) -> str:
    sections = "".join(f'<section class="text-block"><p>{escape(p)}</p></section>' for p in t.body)
    sections += "".join(f'<div class="post-footer">{escape(line)}</div>' for line in t.furniture)
    return (
        _head(t, "Silk Road Review", rng)
        + f'<body><div id="app"><header><nav>{_menu(rng, 7)}</nav><button>Menu</button></header>'
        '<div class="cookie">We use cookies. <button>Accept</button></div>'
        f'<main><div class="hero"><h1>{escape(t.title)}</h1><p class="standfirst">{escape(rng.choice(o).title)}</p></div>'
        f'<div class="content">{sections}</div>'
        f'<div class="more"><h3>More from Silk Road Review</h3><ul>{_teasers(rng, o, 6, "m")}</ul></div></main>'
        "<footer>Silk Road Review · Privacy · Terms</footer></div></body></html>"
    )


TEMPLATES: dict[str, Callable[[random.Random, _Text, list[_Text]], str]] = {
    "news": _news,
    "wordpress": _wordpress,
    "portal": _portal,
    "press": _press,
    "blog": _blog,
    "magazine": _magazine,
}


def pages(count: int | None = None, seed: int = 13) -> list[Page]:
    """Every text once per template in turn (``count`` pages, default one page per text)."""
    rng = random.Random(seed)
    all_texts = texts()
    kinds = list(TEMPLATES)
    made = []
    for n in range(count if count is not None else len(all_texts)):
        text = all_texts[n % len(all_texts)]
        kind = kinds[n % len(kinds)]
        others = [t for t in all_texts if t is not text]
        made.append(
            Page(
                f"{n:04d}-{kind}-{text.lang}",
                text.lang,
                TEMPLATES[kind](rng, text, others),
                "\n".join(text.body),
            )
        )
    return made
