"""The kinds of event a report names (summit, visit, ...): found wherever a kind's word starts,
as when each kind's pattern was searched for along the whole text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kzfeed.stories._signals import _KINDS, EVENT_KINDS, _kinds

_WORDS = [s for stems in EVENT_KINDS.values() for s in stems] + [
    "pre",
    "x",
    "the",
    "ſ",
    "İ",
    "-",
    " ",
    "\n",
    "é",
    "SUMMIT",
    "Визит",
    "ВЫБОРЫ",
    "K",
    "Référendum",
]


def searched(text: str) -> frozenset[str]:
    return frozenset(kind for kind, pattern in _KINDS if pattern.search(text))


def test_each_kind_is_found_at_a_word_start_only() -> None:
    assert _kinds("The Summit and a state visit to Brussels") == {"summit", "visit"}
    assert _kinds("a pre-summit meeting; the Staatsbesuch") == {"summit", "visit"}
    assert _kinds("revisited; a semifinal") == frozenset()
    assert _kinds("") == frozenset()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS) | st.text(max_size=3), max_size=12).map("".join))
def test_kinds_are_those_each_kind_searched_alone_finds(text: str) -> None:
    assert _kinds(text) == searched(text)
