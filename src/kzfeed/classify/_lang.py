"""Offline language detection for the keywords classifier (py3langid, plus Kazakh letters)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

__all__ = ["DETECTABLE_LANGUAGES", "detect_language"]

#: what detection may answer: the beat's languages and the EU's official languages
DETECTABLE_LANGUAGES = (
    "en", "fr", "de", "ru", "kk", "uk",
    "bg", "cs", "da", "el", "es", "et", "fi", "ga", "hr", "hu", "it",
    "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
)  # fmt: skip

# py3langid's cost grows with the sample; the start of the text is enough to tell languages apart.
_SAMPLE_CHARS = 160
_KAZAKH_WINDOW = 300
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_LETTER_RE = re.compile(r"[^\W\d_]")
# letters Kazakh has and Russian does not (і is left out: Ukrainian has it too)
_KAZAKH_RE = re.compile(r"[әғқңөұүһӘҒҚҢӨҰҮҺ]")


# Function words that only one of the beat's Latin/Cyrillic languages uses a lot. When the first
# words of a text vote clearly for one language, py3langid is not needed; otherwise it decides.
_FUNCTION_WORDS: dict[str, str] = {}
for _lang, _words in {
    "en": "the and of to is was with that for are from has have this were which their by its",
    "fr": "le les des et du est une dans pour au aux sur qui ont été leur avec cette ces sont",
    "de": "der die und das den dem mit von für ist nicht auf ein eine sich wird zu im des auch",
    "ru": "и в на с что по не для из от к о как это был была были его также",
}.items():
    for _word in _words.split():
        _FUNCTION_WORDS[_word] = _lang
_VOTE_WORDS = 60
_VOTE_MIN = 6
_VOTE_MARGIN = 3
# letters of Cyrillic languages other than Russian and Kazakh (Ukrainian, Belarusian, Serbian, ...)
_OTHER_CYRILLIC_RE = re.compile(r"[іїєґўђјљњћџ]")


def _vote(words: Sequence[str]) -> str | None:
    """The language the first words clearly vote for, or None."""
    votes = {"en": 0, "fr": 0, "de": 0, "ru": 0}
    for word in words[:_VOTE_WORDS]:
        lang = _FUNCTION_WORDS.get(word.lower())
        if lang is not None:
            votes[lang] += 1
    first, second = sorted(votes.values(), reverse=True)[:2]
    if first < _VOTE_MIN or first < _VOTE_MARGIN * max(second, 1):
        return None
    return max(votes, key=votes.__getitem__)


@cache
def _identifier() -> Any:
    """The py3langid model, loaded once per process (about half a second) and restricted."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    identifier.set_languages(list(DETECTABLE_LANGUAGES))
    return identifier


def warm_up() -> None:
    """Load the language model now rather than on the first document."""
    _identifier()


def detect_language(title: str, text: str, words: Sequence[str] | None = None) -> str | None:
    """Return the ISO 639-1 code of the document's language, or ``None`` when it has no letters.

    Cyrillic text with Kazakh-specific letters (ә ғ қ ң ө ұ ү һ) is Kazakh. ``words`` (the text's
    words, when the caller has them) may settle English, French, German or Russian by their
    function words. Anything else goes to py3langid restricted to :data:`DETECTABLE_LANGUAGES`,
    reading only the start of the text (or the title when there is no text) to stay cheap.
    """
    body = text.lstrip()
    sample = body[:_SAMPLE_CHARS]
    if not _LETTER_RE.search(sample):
        sample = title[:_SAMPLE_CHARS]
        if not _LETTER_RE.search(sample):
            return None
    cyrillic = len(_CYRILLIC_RE.findall(sample)) * 3 > len(sample)  # letters are most characters
    if cyrillic:
        window = f"{title}\n{body[:_KAZAKH_WINDOW]}"
        kazakh = len(_KAZAKH_RE.findall(window))
        if kazakh >= 3 or kazakh * 100 >= len(window):
            return "kk"
    if words is not None and not _OTHER_CYRILLIC_RE.search(sample):
        voted = _vote(words)
        if voted is not None and (voted == "ru") == cyrillic:
            return voted
    # cut at a word boundary: a broken last word only adds noise
    if len(sample) == _SAMPLE_CHARS and " " in sample:
        sample = sample[: sample.rfind(" ")]
    lang, _score = _identifier().classify(sample)
    if lang == "kk":  # no Kazakh letters were found above
        return "ru"
    return str(lang)
