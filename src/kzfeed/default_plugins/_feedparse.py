"""feedparser as the ``rss`` source uses it: set up once, on first use.

Six things cost each feed time for nothing:

- feedparser asks the SAX drivers it prefers first (libxml2's) for each feed; not installed,
  its import fails again each time (Python remembers no failed import): a search of the whole
  path, ~0.1 ms a feed, before expat is used. Drivers that are not installed are dropped from
  its list.
- feedparser passes the HTML of each title, summary and content twice through its SGML parser,
  to resolve relative URLs and to sanitise it, writing it back each time. Markup made only of
  text, entity and character references and a few tags without attributes (the paragraphs most
  feeds send) comes back from both passes as it went in (only trimmed, with CR LF as LF, by the
  sanitiser), so for such markup the passes are skipped and that result given at once (~0.3 ms
  an entry of a few paragraphs). Any other markup gets feedparser's own passes, as before.
  ``tests/test_feed_html.py`` checks the shortcut against feedparser's passes on generated
  markup, so a feedparser release that writes markup back otherwise fails it.
- feedparser makes each element's base URL absolute (``make_safe_absolute_uri``: ``urljoin``
  and a check of its scheme) as the element starts, nearly always the same two URLs, the
  feed's address twice: a pure function of its two strings, its answers are remembered (~10 %
  of parsing a feed).
- feedparser maps windows-1252's C1 characters with ``str.translate`` and a dict of them, on
  each element's text: for every other non-ASCII character the lookup fails, raising and
  catching a ``KeyError`` (~0.1 µs a character). The same mapping as a list indexed by code
  point (every character up to U+20FF maps to itself but those 27; beyond, the list is too
  short and the character is kept, as before) gives the same text in half the time.
- feedparser deep-copies each content element's parameters (type, language, base: strings)
  with ``copy.deepcopy``; a dict of strings is copied key by key as ``deepcopy`` does, without
  its machinery. Anything else still goes to ``copy.deepcopy``.
- ``FeedParserDict.get`` goes through ``__getitem__``, a chain of comparisons for the five keys
  it treats specially and a lookup of the key's old names, then catches the ``KeyError`` of a
  missing key: feedparser asks its content parameters' ``type`` so for each piece of text and
  each element (~650 calls a feed of 10 entries). A key that is neither special nor an old name
  is looked up in the dict itself, which is what that chain ends with; the others still go
  through it. Installed only while ``__getitem__`` treats specially the keys it does now.

kzfeed sanitises what it keeps of a feed's HTML itself (nh3, ``kzfeed.articles.sanitize_html``)
whatever feedparser did; none of this changes feedparser's output, only its cost.
"""

from __future__ import annotations

import copy
import functools
import html.entities
import importlib.util
import re
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["feedparser_module", "plain_markup"]

#: tags that both of feedparser's passes write back as they are, without attributes: allowed
#: by its sanitiser, with an end tag, no handler of their own in its SGML parser
_TAGS = frozenset(
    "p div span b i u s em strong small big sub sup code pre kbd samp var q cite abbr dfn ins del "
    "blockquote ul ol li dl dt dd h1 h2 h3 h4 h5 h6 table thead tbody tfoot tr td th caption "
    "figure figcaption article section header footer aside address center".split()
)
_PLAIN = re.compile(r"(?:[^<&]++|&[a-zA-Z][a-zA-Z0-9]*+;|&#[0-9]++;|&#x[0-9a-f]++;|</?[a-z][a-z0-9]*+>)*+")
_TAG = re.compile(r"</?([a-z][a-z0-9]*)>")
_REFERENCE = re.compile(r"&(#x|#)?([0-9a-zA-Z]+);")
_NAMES = frozenset(html.entities.name2codepoint) | {"apos"}
#: numeric references feedparser writes back otherwise: its feed() turns these two into the
#: characters, and it rewrites windows-1252's C1 range (128-159) as the Unicode characters
_REWRITTEN = frozenset({"&#39;", "&#34;"})
_C1 = range(128, 160)

_lock = threading.Lock()
_module: Any = None

#: the keys ``FeedParserDict.__getitem__`` treats specially, and the other words it compares or
#: reads (feedparser 6.0.x): a release that changes them keeps its own ``get``
_SPECIAL_KEYS = frozenset({"category", "enclosures", "license", "updated", "updated_parsed"})
_GETITEM_WORDS = _SPECIAL_KEYS | {"href", "links", "published", "published_parsed", "rel", "tags", "term"}


def plain_markup(markup: str) -> bool:
    """Whether feedparser's URL resolver and sanitiser write ``markup`` back unchanged (the
    sanitiser also trims it and turns CR LF into LF): only text, references that are written
    back as they are, and tags of :data:`_TAGS` without attributes."""
    if "<" not in markup and "&" not in markup:
        return True
    if _PLAIN.fullmatch(markup) is None:
        return False
    if any(tag not in _TAGS for tag in _TAG.findall(markup)):
        return False
    for match in _REFERENCE.finditer(markup):
        kind, name = match.groups()
        if kind is None:
            if name not in _NAMES:
                return False
        elif match.group(0) in _REWRITTEN or int(name, 16 if kind == "#x" else 10) in _C1:
            return False
    return True


def _skipping_resolve(original: Callable[..., str]) -> Callable[..., str]:
    def resolve_relative_uris(html_source: str, base_uri: str, encoding: str, type_: str) -> str:
        if plain_markup(html_source):
            return html_source
        return original(html_source, base_uri, encoding, type_)

    return resolve_relative_uris


def _skipping_sanitize(original: Callable[..., str]) -> Callable[..., str]:
    def _sanitize_html(html_source: str, encoding: str, _type: str) -> str:
        if plain_markup(html_source):
            return html_source.strip().replace("\r\n", "\n")
        return original(html_source, encoding, _type)

    return _sanitize_html


def _remembering(original: Callable[..., str]) -> Callable[..., str]:
    remembered = functools.lru_cache(maxsize=256)(original)

    def make_safe_absolute_uri(base: Any, rel: Any = None) -> str:
        if isinstance(base, str) and (rel is None or isinstance(rel, str)):
            return remembered(base, rel)
        return original(base, rel)

    return make_safe_absolute_uri


#: windows-1252's C1 characters are mapped for code points below this; the others are kept
_TABLE_END = 0x2100
_ATOMS = (str, int, bool, type(None))


def _translation(cp1252: dict[int, str]) -> list[int | str]:
    """``cp1252`` as a ``str.translate`` table indexed by code point (see the docstring)."""
    table: list[int | str] = list(range(_TABLE_END))
    for code, char in cp1252.items():
        table[code] = char
    return table


class _Copy:
    """What ``feedparser.mixin`` uses of the ``copy`` module (``deepcopy``), quicker for the
    dicts of strings it copies: the same copy, made key by key through the dict's own
    ``__setitem__`` as ``copy.deepcopy`` does (its keys are mapped the same way)."""

    def __init__(self, kind: type[dict[Any, Any]]) -> None:
        self._kind = kind

    def deepcopy(self, value: Any) -> Any:
        if (
            type(value) is self._kind
            and not vars(value)
            and all(type(item) in _ATOMS for item in dict.values(value))
        ):
            copied = self._kind()
            for key, item in dict.items(value):
                copied[key] = item
            return copied
        return copy.deepcopy(value)

    def __getattr__(self, name: str) -> Any:
        """The rest of the ``copy`` module, should a feedparser release use more of it."""
        return getattr(copy, name)


def _direct_get(kind: type[dict[Any, Any]]) -> Callable[..., Any] | None:
    """``kind.get`` (``FeedParserDict``'s) that looks a plain key up in the dict itself, as its
    ``__getitem__`` ends up doing; ``None`` when that ``__getitem__`` is not the one known."""
    words = {c for c in kind.__getitem__.__code__.co_consts if isinstance(c, str) and c.isidentifier()}
    if words != _GETITEM_WORDS:
        return None
    original: Callable[..., Any] = kind.get
    renamed: dict[str, Any] = getattr(kind, "keymap", {})

    def get(self: dict[Any, Any], key: Any, default: Any = None) -> Any:
        if key in _SPECIAL_KEYS or key in renamed:
            return original(self, key, default)
        return dict.get(self, key, default)

    return get


def feedparser_module() -> Any:
    """The feedparser module, set up as this module's docstring says (once per process)."""
    global _module
    with _lock:
        if _module is None:
            import feedparser.api
            import feedparser.mixin
            import feedparser.sanitizer
            import feedparser.util

            preferred = feedparser.api.PREFERRED_XML_PARSERS
            preferred[:] = [name for name in preferred if importlib.util.find_spec(name) is not None]
            mixin = feedparser.mixin
            mixin.make_safe_absolute_uri = _remembering(mixin.make_safe_absolute_uri)
            if all(128 <= code < _TABLE_END for code in mixin._cp1252):
                mixin._cp1252 = _translation(mixin._cp1252)
            mixin.copy = _Copy(feedparser.util.FeedParserDict)
            if (get := _direct_get(feedparser.util.FeedParserDict)) is not None:
                feedparser.util.FeedParserDict.get = get
            if feedparser.sanitizer._HTMLSanitizer.acceptable_elements >= _TAGS:
                mixin.resolve_relative_uris = _skipping_resolve(mixin.resolve_relative_uris)
                mixin._sanitize_html = _skipping_sanitize(mixin._sanitize_html)
            _module = feedparser
        return _module
