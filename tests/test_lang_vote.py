"""The vote of a text's first words by their function words, counted per language in C, is what
a ``Counter`` of the votes and its two most common (the detector before) decide."""

from __future__ import annotations

from collections import Counter
from itertools import islice

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kzfeed.lang import _VOTE_MARGIN, _VOTE_MIN, _VOTE_WORDS, _VOTING, _vote


def _by_counter(languages: list[str | None]) -> str | None:
    votes = Counter(filter(None, islice(languages, _VOTE_WORDS)))
    (best, first), (_, second) = [*votes.most_common(2), ("", 0), ("", 0)][:2]
    if first < _VOTE_MIN or first < _VOTE_MARGIN * max(second, 1):
        return None
    return best


def test_the_voting_languages_are_the_function_words_languages() -> None:
    assert _VOTING == ("de", "en", "fr", "ru")


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from([None, None, None, "en", "fr", "de", "ru"]), max_size=90))
@example([None] * 60 + ["en"] * 10)  # only the first sixty words vote
@example(["en"] * 6)  # just enough
@example(["en"] * 9 + ["fr"] * 3)  # three times the second
@example(["en"] * 8 + ["fr"] * 3)  # not quite
@example(["en"] * 7 + ["fr"] * 7)  # equal: neither
def test_the_vote_is_the_counters(languages: list[str | None]) -> None:
    assert _vote(iter(languages)) == _by_counter(languages)
