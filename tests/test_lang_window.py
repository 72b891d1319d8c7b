"""What language detection counts in a window of text, counted over the whole window, is what
adding up the counts of its whitespace-separated chunks (as the detector once did) gives."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kzfeed.lang import (
    _CYRILLIC_RE,
    _FUNCTION_WORDS,
    _KAZAKH_RE,
    _LETTERS_RE,
    _OTHER_CYRILLIC_RE,
    _UKRAINIAN_RE,
    _window_facts,
)


def _by_chunks(window: str) -> tuple[object, ...]:
    runs = letters = cyrillic = kazakh = 0
    ukrainian = other = False
    votes: list[str | None] = []
    for chunk in window.split():
        found = _LETTERS_RE.findall(chunk)
        runs += len(found)
        letters += sum(map(len, found))
        cyrillic += sum(map(len, _CYRILLIC_RE.findall(chunk)))
        kazakh += len(_KAZAKH_RE.findall(chunk))
        ukrainian = ukrainian or _UKRAINIAN_RE.search(chunk) is not None
        other = other or _OTHER_CYRILLIC_RE.search(chunk) is not None
        votes += [_FUNCTION_WORDS.get(run.lower()) for run in found]
    return runs, letters, cyrillic, kazakh, ukrainian, other, votes


_PIECES = ["the", "Der", "и", "что", "Қазақстан", "ұлттық", "їжак", "Ђорђе", "Astana,", "l'UE", "Ünal",
           "1990", "x_y", " ", "\n", "\x1c", "\u2028", "\u00a0", "-", "’", "ɪ", "ǅ"]  # fmt: skip


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=5), max_size=30).map("".join))
@example("")
@example("Ақорда — Президент Қасым-Жомарт Тоқаев и the EU: їх")
def test_counted_over_the_window_as_chunk_by_chunk(window: str) -> None:
    *counts, votes = _window_facts(window)
    *expected, expected_votes = _by_chunks(window)
    assert counts == expected
    assert list(votes) == expected_votes
