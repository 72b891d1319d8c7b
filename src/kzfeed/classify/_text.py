"""Text handling for the keywords classifier: Unicode normalisation, tokens, Snowball stems (PyStemmer)."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Generic, TypeVar

import Stemmer

__all__ = [
    "BREAKS",
    "LINE_MARK",
    "SNOWBALL_LANGUAGES",
    "Segments",
    "chunk_tokens",
    "fold",
    "kazakh_bases",
    "make_stemmer",
    "read_fields",
    "segment",
    "strip_accents",
    "tokenize",
]

#: words, plus the punctuation that ends a sentence (kept as tokens so phrases never cross it)
T = TypeVar("T")
#: stands for a line break among the chunks of a document (``str.split`` drops newlines)
LINE_MARK = "\x00"
_LINE_CHUNK = f" {LINE_MARK} "
_TOKEN_RE = re.compile(r"\w+|[.!?;\n]")
BREAKS = frozenset(".!?;\n")

#: language code -> Snowball algorithm in PyStemmer
SNOWBALL_LANGUAGES: dict[str, str] = {
    "en": "english",
    "fr": "french",
    "de": "german",
    "ru": "russian",
    "it": "italian",
    "es": "spanish",
    "pt": "portuguese",
    "nl": "dutch",
    "da": "danish",
    "sv": "swedish",
    "fi": "finnish",
    "hu": "hungarian",
    "ro": "romanian",
    "el": "greek",
    "lt": "lithuanian",
    "et": "estonian",
    "ga": "irish",
    "cs": "czech",
    "pl": "polish",
}

#: Kazakh endings a name takes (case, possession, "of/in"): Римде (in Rome), Данияның (of Denmark),
#: Венаға (to Vienna), Римдегі (the one in Rome), итальяндық (Italian)
KAZAKH_ENDINGS = frozenset(
    "ның нің дың дің тың тің ға ге қа ке на не ны ні ды ді ты ті да де та те нда нде дан ден тан "
    "тен нан нен ндан нден мен бен пен ша ше дағы дегі тағы тегі ндағы ндегі лық лік дық дік тық "
    "тік ы і сы сі".split()
)
_KAZAKH_LENGTHS = sorted({len(ending) for ending in KAZAKH_ENDINGS}, reverse=True)
#: the least a name keeps once an ending is taken off
_KAZAKH_BASE_MIN = 3


def kazakh_bases(form: str) -> Iterable[str]:
    """What ``form`` (casefolded) may be once a Kazakh ending is taken off, longest ending first."""
    for length in _KAZAKH_LENGTHS:
        if len(form) - length >= _KAZAKH_BASE_MIN and form[-length:] in KAZAKH_ENDINGS:
            yield form[:-length]


# The lead is the first paragraphs of the text, at least this long, at most _LEAD_MAX characters.
_LEAD_MIN = 150
_LEAD_MAX = 600


def fold(word: str) -> str:
    """The form words are compared in: casefolded, with Russian ё read as е."""
    form = word.casefold()
    return form.replace("ё", "е") if "ё" in form else form


def strip_accents(word: str) -> str:
    """``word`` without combining accents (Tokaïev -> Tokaiev); for Latin-script aliases only."""
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def make_stemmer(lang: str) -> Callable[[str], str] | None:
    """Return a Snowball stemmer for ``lang``, or ``None`` when PyStemmer has none for it.

    A stemmer object is not thread-safe: make one per classifier.
    """
    algorithm = SNOWBALL_LANGUAGES.get(lang)
    if algorithm is None:
        return None
    stemmer = Stemmer.Stemmer(algorithm)
    stemmer.maxCacheSize = 0  # the classifier keeps what it needs (its own bounded caches)
    stem: Callable[[str], str] = stemmer.stemWord
    return stem


class Segments(Generic[T]):
    """A document cut into title, lead and body, as one list of tokens (or of what the caller
    made of each token) with the field boundaries."""

    __slots__ = ("breaks", "lead_end", "newlines", "title_end", "tokens")

    def __init__(
        self, tokens: list[T], title_end: int, lead_end: int, breaks: list[int], newlines: list[int]
    ) -> None:
        self.tokens = tokens
        #: tokens[:title_end] are the title, tokens[title_end:lead_end] the lead, the rest the body
        self.title_end = title_end
        self.lead_end = lead_end
        #: positions of sentence breaks (``.!?;`` and newlines) and of newlines, ascending
        self.breaks = breaks
        self.newlines = newlines

    def field(self, position: int) -> int:
        """0 for the title, 1 for the lead, 2 for the body."""
        if position < self.title_end:
            return 0
        return 1 if position < self.lead_end else 2

    def sentence(self, position: int) -> int:
        return bisect_right(self.breaks, position)

    def unit(self, position: int) -> int:
        """The paragraph, counting the title and the lead as one: where a story pairs two names."""
        return 0 if position < self.lead_end else bisect_right(self.newlines, position)


def chunk_tokens(chunk: str) -> list[str]:
    """The tokens of one whitespace-free chunk of text (``"l'UE,"`` -> ``["l", "UE"]``);
    :data:`LINE_MARK` stands for a line break."""
    # most chunks are plain words: isalnum is exactly what \w means, bar "_"
    if chunk.isalnum():
        return [chunk]
    return _TOKEN_RE.findall(chunk) if chunk != LINE_MARK else ["\n"]


def tokenize(text: str) -> list[str]:
    """Words and sentence-ending marks (``.!?;`` and newlines) of ``text``, in order.

    Same result as ``_TOKEN_RE.findall(text)``.
    """
    return list(chain.from_iterable(map(chunk_tokens, _chunks(text))))


def _chunks(text: str) -> list[str]:
    """The whitespace-separated chunks of ``text``, with :data:`LINE_MARK` for each line break."""
    if LINE_MARK in text:  # it is no word and no break, as the character that replaces it
        text = text.replace(LINE_MARK, "\x01")
    return text.replace("\n", _LINE_CHUNK).split()


def _lead_end(text: str) -> int:
    end = 0
    while True:
        newline = text.find("\n", end)
        if newline == -1:
            end = len(text)
            break
        end = newline
        if len(text[:end].strip()) >= _LEAD_MIN:
            break
        end = newline + 1
    if end > _LEAD_MAX:
        cut = text.rfind(". ", 0, _LEAD_MAX)
        end = cut + 1 if cut > _LEAD_MIN else _LEAD_MAX
        # never cut inside a word
        while end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
            end += 1
    return end


def read_fields(
    title: str, text: str, expand: Callable[[str], Iterable[T]], newline: T
) -> tuple[list[T], int, int]:
    """Cut a document (in NFC already: ``Document`` made it so) into title, lead and body, chunk by chunk.

    ``expand`` makes something of each whitespace-separated chunk, and ``[newline]`` (that very
    object) of :data:`LINE_MARK`, which stands for each line break (``chunk_tokens`` does).
    Returns what it made of the chunks (with ``newline`` between lines and after the title and
    the lead), the end of the title and the end of the lead.
    """
    cut = _lead_end(text)
    # one pass in C over the whole document: split, then one ``expand`` per chunk, whose words
    # are added with ``list.extend`` (cheaper than chaining the chunks' iterators)
    out: list[T] = []
    deque(map(out.extend, map(expand, _chunks(f"{title}\n{text[:cut]}\n{text[cut:]}"))), maxlen=0)
    # the title and the lead each end a paragraph: just after the newline that follows each
    index = out.index
    end = 0
    for _ in range(title.count("\n") + 1):
        end = index(newline, end) + 1
    title_end = end
    for _ in range(text.count("\n", 0, cut) + 1):
        end = index(newline, end) + 1
    return out, title_end, end


def segment(title: str, text: str) -> Segments[str]:
    """Tokenise a document (in NFC: see ``read_fields``) into title, lead and body."""
    tokens, title_end, lead_end = read_fields(title, text, chunk_tokens, "\n")
    breaks = [i for i, token in enumerate(tokens) if token in BREAKS]
    newlines = [i for i, token in enumerate(tokens) if token == "\n"]
    return Segments(tokens, title_end, lead_end, breaks, newlines)
