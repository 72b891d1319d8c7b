"""The kinds of event a report names (story signals): the places where any kind's word starts,
found by one pattern whose words are grouped by their letters, are where the kinds' own patterns
find them."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kzfeed.stories._signals import _ANY_KIND, _KINDS, EVENT_KINDS, _alternatives, _kinds

_STEMS = sorted({stem for stems in EVENT_KINDS.values() for stem in stems})
#: the kinds' words joined as one plain alternation (what the grouped pattern stands for)
_PLAIN = re.compile(r"(?<!\w)(?=" + "|".join(map(re.escape, _STEMS)) + ")", re.IGNORECASE)


def _searched(text: str) -> frozenset[str]:
    """The kinds whose pattern is found anywhere in ``text``."""
    return frozenset(kind for kind, pattern in _KINDS if pattern.search(text))


def test_alternatives_group_words_by_their_letters() -> None:
    assert _alternatives(["visit", "visite", "vis a vis", "crash"]) == r"(?:crash|vis(?:\ a\ vis|it))"
    pattern = re.compile(_alternatives(["ab", "abc", "b"]))
    assert [bool(pattern.match(s)) for s in ("ab", "abc", "b", "a", "c")] == [True, True, True, False, False]


_PIECES = [
    *_STEMS,
    *(stem.upper() for stem in _STEMS),
    *(stem[:-1] for stem in _STEMS),
    "Summit", "SOMMET", "ſummit", "Kongress", "Kongress", "vİsit", "vısıt", "Visité", "road  map",
    " ", "\n", "-", "x", "1", "_", "é", ".", "'",
]  # fmt: skip


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=3), max_size=12).map("".join))
def test_kinds_are_found_where_the_plain_patterns_find_them(text: str) -> None:
    assert [m.start() for m in _ANY_KIND.finditer(text)] == [m.start() for m in _PLAIN.finditer(text)]
    assert _kinds(text) == _searched(text)
