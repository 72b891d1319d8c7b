"""What the keywords classifier makes of a word or a chunk it has not seen before is what the plain
look-ups give: the quick test of whether any name or term starts with a word never hides one, and
a chunk's words are described as they are alone."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzfeed.classify import KeywordClassifier
from kzfeed.classify._classifier import (
    COMPOUND_MIN,
    GENITIVE_MIN,
    TokenInfo,
    _alone,
    _LanguageMatcher,
)
from kzfeed.classify._text import BREAKS, LINE_MARK, chunk_tokens, fold, kazakh_bases, tokenize

LABELLED = Path(__file__).parent / "data" / "classifier"
LANGUAGES = ("en", "fr", "de", "ru", "kk", "it")


@cache
def _classifier() -> KeywordClassifier:
    return KeywordClassifier()


def _plain_describe(matcher: _LanguageMatcher, token: str, lang: str) -> TokenInfo:
    """A word as the matcher reads it, by the plain look-ups (the classifier before its quick test)."""
    form = fold(token)
    form = token if form == token else form
    stemmed = matcher.stem(form) if matcher.stem is not None else form
    stemmed = form if stemmed == form else stemmed
    entities = matcher.entities.starting_at(token, form, form)
    if not entities and lang == "kk":  # a name with a Kazakh ending: the longest ending first
        entities = next(filter(None, map(matcher.entities.one_word, kazakh_bases(form))), ())
    elif (
        not entities
        and matcher.genitive
        and len(form) >= GENITIVE_MIN
        and form[-1] == "s"
        and token[0].isupper()
    ):
        entities = matcher.entities.one_word(form[:-1])
    terms = matcher.terms.starting_at(token, form, stemmed)
    if not terms and matcher.compounds is not None and len(form) >= COMPOUND_MIN and token[0].isupper():
        terms = matcher.compounds.head(form)
    step = (1 + (1 << 40) if token == "\n" else 1) if token in BREAKS else 0
    return (
        token, form, stemmed, entities, terms, bool(entities or terms or step), step,
        _alone(entities) if entities else None, _alone(terms) if terms else None,
    )  # fmt: skip


@cache
def _labelled_words() -> list[str]:
    words: set[str] = set()
    for path in sorted(LABELLED.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            words.update(tokenize(f"{record['title']}\n{record['text']}"))
    return sorted(words)


def _pattern_words(matcher: _LanguageMatcher) -> list[str]:
    """The first words of every name and term as written in the vocabulary and gazetteer, in
    capitals and with endings: the words a quick test could wrongly turn away."""
    classifier = _classifier()
    written = {entry.name for entry in classifier.gazetteer}
    written |= {alias for entry in classifier.gazetteer for alias in entry.aliases}
    for topic in classifier.vocabulary.topics:
        for lists in (topic.terms, topic.weak):
            written |= {term for terms in lists.values() for term in terms}
    words = set()
    for phrase in written:
        for word in tokenize(phrase.replace("*", "").replace("=", ""))[:2]:
            words |= {
                word,
                word.upper(),
                word.capitalize(),
                word + "s",
                word + "ы",
                word + "де",
                word + "ның",
                word[:3],
            }
    return sorted(words)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_word_is_described_as_the_plain_look_ups_describe_it(lang: str) -> None:
    matcher = _classifier()._matcher(lang)
    words = [*_labelled_words(), *_pattern_words(matcher), *BREAKS, "\x01", "a_b"]
    different = [word for word in words if matcher.describe(word) != _plain_describe(matcher, word, lang)]
    assert not different
    # the test is not empty: the quick test lets names and terms through, and turns words away
    infos = [matcher.describe(word) for word in words]
    assert sum(1 for info in infos if info[3]) > 100 and sum(1 for info in infos if info[4]) > 100
    assert sum(1 for info in infos if not info[5]) > 1000


_TEXT = st.text(
    st.sampled_from([*"aeiouEUAstanaКазахстанЕОқңәöüßé", " ", "'", "-", ",", ".", "_", "\n", "½", "1"]),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(lang=st.sampled_from(LANGUAGES), text=_TEXT)
def test_any_word_is_described_as_the_plain_look_ups_describe_it(lang: str, text: str) -> None:
    matcher = _classifier()._matcher(lang)
    for token in tokenize(text):
        assert matcher.describe(token) == _plain_describe(matcher, token, lang)


@settings(max_examples=300, deadline=None)
@given(lang=st.sampled_from(LANGUAGES), text=_TEXT)
def test_a_chunk_is_its_words_each_described_alone(lang: str, text: str) -> None:
    matcher = _classifier()._matcher(lang)
    for chunk in [*text.split(), LINE_MARK]:
        expected = tuple(_plain_describe(matcher, token, lang) for token in chunk_tokens(chunk))
        assert matcher.chunks[chunk] == expected
        assert matcher.describe_chunk(chunk) == expected


def test_breaks_are_the_same_object_in_every_chunk() -> None:
    """The reader finds the title's and the lead's ends by the newline's description (``index``)."""
    matcher = _classifier()._matcher("fr")
    assert matcher.chunks[LINE_MARK][0] is matcher.newline
    assert matcher.chunks["fin.\x01"][1] is matcher.breaks["."]
