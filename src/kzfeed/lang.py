"""Offline language detection for article text (wraps py3langid, imported lazily)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

__all__ = ["PLAUSIBLE_LANGUAGES", "detect_language"]

#: the languages an article on this beat can plausibly be in: the EU's official languages
#: that the model knows, the languages of Kazakhstan and its neighbours' press, and Chinese
PLAUSIBLE_LANGUAGES: tuple[str, ...] = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt",
    "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
    "kk", "ru", "uk", "tr", "zh",
)  # fmt: skip

# Letters Kazakh has and Russian lacks (і is left out: Ukrainian has it too).
_KAZAKH_LETTERS = frozenset("әғқңөұүһӘҒҚҢӨҰҮҺ")
_UKRAINIAN_LETTERS = frozenset("їєґЇЄҐ")
_KAZAKH_LETTER_SHARE = 0.04
_MIN_LETTERS = 15
_MIN_WORDS = 3
_MAX_CHARS = 5000  # enough to decide; keeps long articles fast


@lru_cache(maxsize=1)
def _identifier() -> Any:
    # lazy: loading the model takes about half a second
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(PLAUSIBLE_LANGUAGES))
    return identifier


def _is_cyrillic(ch: str) -> bool:
    return "CYRILLIC" in unicodedata.name(ch, "")


def detect_language(text: str) -> str | None:
    """Return the ISO 639-1 code of ``text``'s language, or ``None`` when it is too short.

    Detection is offline (py3langid) and restricted to ``PLAUSIBLE_LANGUAGES``. Kazakh in
    Cyrillic is told from Russian by its own letters (ә ғ қ ң ө ұ ү һ).
    """
    sample = unicodedata.normalize("NFC", text[:_MAX_CHARS])
    letters = [ch for ch in sample if ch.isalpha()]
    if len(letters) < _MIN_LETTERS or len(sample.split()) < _MIN_WORDS:
        return None
    cyrillic = sum(1 for ch in letters if _is_cyrillic(ch))
    kazakh = sum(1 for ch in letters if ch in _KAZAKH_LETTERS)
    # In Cyrillic text, Kazakh-specific letters are a stronger signal than character n-grams,
    # which mostly see the vocabulary Kazakh shares with Russian.
    # A few of them in Russian text are names ("Нұрлан"); in Kazakh they are about a tenth of
    # the letters.
    if (
        cyrillic * 2 > len(letters)
        and kazakh >= max(2, _KAZAKH_LETTER_SHARE * cyrillic)
        and not any(ch in _UKRAINIAN_LETTERS for ch in letters)
    ):
        return "kk"
    ranked = [lang for lang, _ in _identifier().rank(sample)]
    if ranked[0] == "kk" and kazakh == 0:
        # without a single Kazakh letter a Cyrillic text is not Kazakh
        ranked = [lang for lang in ranked if lang != "kk"]
    best: str = ranked[0]
    return best
