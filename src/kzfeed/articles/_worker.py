"""Readies the extraction fork server: it imports this module (its preload) and nothing else
does. Importing it imports what extracting a page needs and does trafilatura's one-time set-ups
in the server, once, so that every worker process forked from it starts ready instead of paying
them on its first pages: the stop words of every language that justext falls back on (~0.3 s of
CPU a worker), htmldate and the regular expressions compiled on first use."""

from __future__ import annotations

import contextlib
import sys

# trafilatura imports py3langid when it is installed (a benchmark's or a plugin's dependency),
# and with it numpy and its model: ~12 MiB and 0.1-0.2 s in the fork server, for a language
# filter that only runs when a target language is asked for, which kzfeed never asks (it
# detects languages itself, in the main process). A ``None`` in ``sys.modules`` is what an
# import refuses, and trafilatura then goes without, as when py3langid is not installed.
sys.modules.setdefault("py3langid", None)  # type: ignore[arg-type]

from kzfeed.articles._extract import extract_page  # noqa: E402

__all__: list[str] = []

_SENTENCE = (
    "<p>Astana and Brussels signed an agreement on critical raw materials on Tuesday, opening "
    "joint projects in lithium, rare earths and green hydrogen for the next five years.</p>"
)
# laid out with tables, as press offices are: the first text pass finds nothing and the second
# runs, so both passes and the metadata are set up
_SAMPLE = (
    "<html><head><title>Kazakhstan and the EU sign a raw materials deal</title>"
    '<meta name="author" content="Aigerim Sadykova">'
    '<meta property="article:published_time" content="2026-11-30T09:00:00+05:00"></head>'
    "<body><table><tr><td><a href='/'>Home</a> | <a href='/news'>News</a></td></tr>"
    f"<tr><td><h1>Kazakhstan and the EU sign a raw materials deal</h1>{_SENTENCE * 6}</td></tr>"
    "</table></body></html>"
)


def _ready() -> None:
    # trafilatura builds justext's stop words of every language on first need; a page that
    # does not need them leaves them for the next, so they are built here
    with contextlib.suppress(Exception):
        from trafilatura import external

        if getattr(external, "JT_STOPLIST", ()) is None:
            external.jt_stoplist_init()
    # a set-up, not a page: when it fails (a trafilatura that reads it otherwise) the workers
    # still start, as they did before, and pay the set-ups on their first pages
    with contextlib.suppress(Exception):
        extract_page(_SAMPLE, url="https://news.example.org/2026/11/30/raw-materials")


_ready()
