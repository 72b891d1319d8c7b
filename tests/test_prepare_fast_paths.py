"""The per-item preparation's fast paths give what the plain forms they replace gave."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kzfeed.pipeline._normalise import _SPACE, content_hash
from kzfeed.stories._signals import _NUMBER, _sentences

# the pattern of figures as it was written before its first digit was put first
_PLAIN_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+(?:[.,]\d+)?)(?![.,]?\d)"
    r"(?:[\s\u00a0\u202f-]*([^\W\d_]+))?"
)
# what figures and spaces are made of, and some letters and marks around them
_FIGURE_TEXT = st.text(alphabet=st.sampled_from(list("0123456789 .,-_\u00a0\u202f\n aZé мл٣")), max_size=40)
_SPACE_TEXT = st.text(
    alphabet=st.sampled_from(list(" \t\n\u00a0\u2000\u200b\u202f\u205f\u3000ab\u2028")), max_size=30
)


@settings(max_examples=3000, deadline=None)
@given(_FIGURE_TEXT)
@example("1 000 000 euros, 12,5 млн and 3.14.15")
@example("a1 2 .5 0 1 2 1,000.5 12 345 678")
@example("٣٣ million")
def test_figures_are_found_as_the_plain_pattern_found_them(text: str) -> None:
    found = [(m.span(), m.groups()) for m in _NUMBER.finditer(text)]
    assert found == [(m.span(), m.groups()) for m in _PLAIN_NUMBER.finditer(text)]


@settings(max_examples=2000, deadline=None)
@given(_SPACE_TEXT, _SPACE_TEXT)
@example("a  b", "")
@example("a\u00a0b", "c")
@example(" a ", " b\t")
def test_the_content_hash_folds_spaces_as_the_substitution_did(title: str, text: str) -> None:
    import hashlib

    folded = _SPACE.sub(" ", f"{title}\n{text}").strip()
    assert content_hash(title, text) == hashlib.sha256(folded.encode("utf-8")).hexdigest()


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab .!?:;«»"“”\u00a0\t\u3000')), max_size=30))
@example("One. Two! «Three» four:  five")
@example(". ")
@example("")
def test_sentences_are_cut_where_the_plain_split_cut_them(line: str) -> None:
    plain = re.compile(r"(?<=[.!?:;«»\"“”])\s+")
    assert _sentences(line) == plain.split(line)
