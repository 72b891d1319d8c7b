"""The proper names a report spells (story signals): every capitalised word of four letters or
more that does not start a sentence, found as when each sentence's words were tried one by one."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kzfeed.stories._signals import _CAPITALISED, _NOT_NAMES, _names, name_key


def one_by_one(title: str, text: str) -> set[str]:
    """The names as they were found before findall: each word of each sentence tried in turn."""
    keys = set()
    for line in (title, *text.split("\n")):
        for sentence in re.split(r"(?<=[.!?:;«»\"“”])\s+", line):
            for match in _CAPITALISED.finditer(sentence):
                if match.start() == 0 and sentence[match.start()].isupper():
                    continue
                if match.group(1)[0].isupper() and match.group(1).casefold() not in _NOT_NAMES:
                    key = name_key(match.group(1))
                    if len(key) >= 4:
                        keys.add(f"name:{key}")
    return keys


def test_names_but_not_the_words_that_start_sentences() -> None:
    text = "Rybakina beat Sabalenka in Astana.  Tokayev met Macron. Visit of Erdoğan"
    # Rybakina, Tokayev, Visit start sentences; Рыбакина in the title does not
    assert _names("A win for Рыбакина", text) == {
        "name:ribak",
        "name:sabal",
        "name:astan",
        "name:macro",
        "name:erdog",
    }
    assert _names("", "the President met Putin on Monday") == {"name:putin"}
    assert _names("", "") == set()


_WORDS = ["Astana", "astana", "ASTANA", "Tokayev", "Рыбакина", "Président", "Ǆemal", "Ǆ", "x-Abcd",
          "Abcd", "'Abcd", ". ", "? ", "« ", "\u00a0", " ", "\n", ".", "-", "’", "1", "_", "İstanbul"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_WORDS) | st.text(max_size=4), max_size=14).map("".join),
    st.lists(st.sampled_from(_WORDS) | st.text(max_size=4), max_size=6).map("".join),
)
def test_names_are_those_found_word_by_word(text: str, title: str) -> None:
    assert _names(title, text) == one_by_one(title, text)
