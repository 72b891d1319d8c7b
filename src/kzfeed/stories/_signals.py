"""What a report says that does not depend on its language: the people, organisations, places and
programmes the classifier recognised (under their normalised names, in any script), the figures
it gives, the proper names it spells (transliterated), and its topics.

Each signal is a string feature with a base weight; ``kzfeed.stories._events`` compares reports
by these, weighted by how rare each feature is among the reports around the same dates.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import anyascii as _anyascii
from anyascii import anyascii

from kzfeed.models import Item

__all__ = ["EVENT_KINDS", "SIGNALS_VERSION", "Signals", "name_key", "numbers", "signals"]

#: base weight of each kind of feature, before rarity
WEIGHTS = {
    "person": 3.0,
    "org": 2.5,
    "programme": 2.0,
    "place": 1.5,
    "number": 2.0,
    "amount": 3.0,
    "name": 1.0,
    "topic": 0.5,
    "kind": 2.0,
}

_MULTIPLIERS = {
    # thousand
    "thousand": 1e3,
    "тыс": 1e3,
    "мың": 1e3,
    # million
    "million": 1e6,
    "millions": 1e6,
    "mln": 1e6,
    "mio": 1e6,
    "millionen": 1e6,
    "млн": 1e6,
    "миллион": 1e6,
    "миллиона": 1e6,
    "миллионов": 1e6,
    # billion
    "billion": 1e9,
    "billions": 1e9,
    "bn": 1e9,
    "milliard": 1e9,
    "milliards": 1e9,
    "milliarde": 1e9,
    "milliarden": 1e9,
    "mrd": 1e9,
    "млрд": 1e9,
    "миллиард": 1e9,
    "миллиарда": 1e9,
    "миллиардов": 1e9,
    # trillion
    "trillion": 1e12,
    "трлн": 1e12,
    "триллион": 1e12,
}
# a figure not inside a word or another figure: (?<![\w.,])(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+(?:[.,]\d+)?),
# written with its first digit first (and the look behind after it), so that the search skips to
# the next digit in C rather than trying the pattern at every character: same matches, same order
_NUMBER = re.compile(
    r"(\d(?<![\w.,]\d)(?:\d{0,2}(?:[ \u00a0\u202f]\d{3})+|\d*(?:[.,]\d+)?))(?![.,]?\d)"
    r"(?:[\s\u00a0\u202f-]*([^\W\d_]+))?"
)
# spellings of one sound in the transliterations of en/fr/de/ru/kk, folded to one
_FOLDS = (
    ("tsch", "ch"), ("sch", "sh"), ("tch", "ch"), ("kh", "h"), ("zh", "j"), ("dj", "j"),
    ("ou", "u"), ("ts", "c"), ("tz", "c"), ("w", "v"), ("y", "i"), ("iu", "u"), ("ph", "f"),
    ("x", "ks"), ("q", "k"),
)  # fmt: skip
# capitalised words that are no names: titles, days, months (en, fr, de, ru, kk)
_NOT_NAMES = frozenset(
    """president president's presidents prime minister ministry chancellor chairman head foreign
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december the this that these those according
    président premier ministre ministère lundi mardi mercredi jeudi vendredi samedi dimanche
    janvier février avril juin juillet août septembre octobre novembre décembre selon
    президент президента президентом премьер министр министерство глава главы председатель
    понедельник вторник среда четверг пятница суббота воскресенье
    мемлекет басшысы президенті министрі премьер-министр""".split()
)
_CAPITALISED = re.compile(r"(?<![\w.])([^\W\d_][\w'’-]{3,})")
# the spaces after a sentence's last mark, found with the mark (so that the search skips to the
# next mark in C): a line is cut where (?<=[.!?:;«»"“”])\s+ matches, the mark kept
_SENTENCE_BREAK = re.compile(r"[.!?:;«»\"“”]\s+")
_DIGIT_SPACES = re.compile(r"[ \u00a0\u202f]")
_KEY_LENGTH = 5
_intern = sys.intern
#: what kind of event a report is about, by word stems in the beat's languages; two reports that
#: each name a kind and no kind in common are about different events (a state visit and a
#: summit the next day in the same city; a memorandum and its roadmap)
EVENT_KINDS = {
    "summit": ("summit", "sommet", "gipfel", "саммит"),
    "visit": ("visit", "visite", "besuch", "staatsbesuch", "визит", "сапар"),
    "referendum": ("referend", "référend", "референдум"),
    "election": ("election", "élection", "présidentielle", "wahl", "выбор", "сайлау"),
    "crash": ("crash", "écras", "absturz", "abgestürzt", "крушени", "разбил", "катастроф", "апат"),
    "memorandum": ("memorand", "mémorand", "protocole d'accord", "absichtserklärung", "меморандум"),
    "roadmap": ("roadmap", "road map", "feuille de route", "fahrplan", "дорожн", "жол карта"),
    "council": ("council", "conseil de coopération", "kooperationsrat", "совет сотрудничества",
                "ынтымақтастық кеңес"),
    "congress": ("congress", "congrès", "kongress", "съезд"),
    "final": ("final", "финал"),
}  # fmt: skip
_KINDS = [
    (kind, re.compile(r"(?<!\w)(?:" + "|".join(re.escape(s) for s in stems) + ")", re.IGNORECASE))
    for kind, stems in EVENT_KINDS.items()
]


def _alternatives(words: list[str]) -> str:
    """A pattern that matches where one of ``words`` starts (a prefix of the text there), the
    words grouped by their first letters (a trie): at each place one alternative per letter is
    tried, not every word. Only whether one matches counts: a word that another word starts
    with is enough."""
    if "" in words:
        return ""
    firsts: dict[str, list[str]] = {}
    for word in words:
        firsts.setdefault(word[0], []).append(word[1:])
    parts = [re.escape(first) + _alternatives(rests) for first, rests in sorted(firsts.items())]
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


# where any kind's word starts (a lookahead: one kind's match hides no other's); each kind is
# then tried at those places only, not searched for along the whole text. The class of the
# stems' first letters lets most word starts fail before the alternatives are tried (same places,
# half the time: under IGNORECASE the class matches what those letters match)
_ANY_KIND = re.compile(
    r"(?<!\w)(?=["
    + re.escape("".join(sorted({s[0] for stems in EVENT_KINDS.values() for s in stems})))
    + "])(?="
    + _alternatives(sorted({s for stems in EVENT_KINDS.values() for s in stems}))
    + ")",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Signals:
    """The language-independent features of one report: feature -> base weight."""

    features: dict[str, float]
    lang: str | None
    published: datetime | None
    kinds: frozenset[str] = frozenset()
    #: the sum of the squares of the base weights (a bound of the similarity, see
    #: ``kzfeed.stories._events``)
    weight: float = field(init=False, repr=False, compare=False)
    #: the day of publication (days since 1970, UTC), or None: what reports are indexed by
    day: int | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", sum([w * w for w in self.features.values()]))
        when = self.published
        object.__setattr__(self, "day", None if when is None else int(when.timestamp() // 86400))

    def conflicts(self, other: Signals) -> bool:
        """Whether the two reports name kinds of event and none in common."""
        return bool(self.kinds and other.kinds and not self.kinds & other.kinds)

    def shared(self, other: Signals) -> list[str]:
        return [f for f in self.features if f in other.features]

    def to_json(self) -> str:
        """The signals as text, to keep in the database (:meth:`from_json` reads them back equal,
        features in the same order)."""
        when = self.published.isoformat() if self.published is not None else None
        return json.dumps(
            {"f": list(self.features.items()), "l": self.lang, "p": when, "k": sorted(self.kinds)},
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Signals:
        data = json.loads(text)
        when = data["p"]
        return cls(
            features={_intern(feature): float(weight) for feature, weight in data["f"]},
            lang=data["l"],
            published=datetime.fromisoformat(when) if when is not None else None,
            kinds=frozenset(data["k"]),
        )


def _version() -> str:
    """What kept signals were worked out by: this module's code and anyascii's release (its
    transliterations make the name features). Signals kept by another version are worked out
    again from the stored report."""
    try:
        code = Path(__file__).read_bytes()
    except OSError:  # no source beside the module (a frozen build): versioned by release only
        code = b""
    digest = hashlib.sha256(code + str(getattr(_anyascii, "__version__", "")).encode()).hexdigest()
    return digest[:16]


#: the version kept signals must have to be used (see :func:`_version`)
SIGNALS_VERSION = _version()


def numbers(text: str) -> set[str]:
    """The figures of ``text`` as features: ``amount:12e9`` for "12 billion", "€12bn",
    "12 млрд", "12 Milliarden"; ``number:81.31`` for "81,31%". Integers below 10 are left out
    (they are spelled as words as often as not, and say little)."""
    found = set()
    for match in _NUMBER.finditer(unicodedata.normalize("NFKC", text)):
        digits, word = match.group(1), (match.group(2) or "").casefold()
        digits = _DIGIT_SPACES.sub("", digits).replace(",", ".")
        try:
            value = float(digits)
        except ValueError:  # pragma: no cover - the pattern only matches numbers
            continue
        multiplier = _MULTIPLIERS.get(word.rstrip("."))
        if multiplier is not None:
            found.add(f"amount:{value * multiplier:g}")
        elif value >= 10 or "." in digits:
            found.add(f"number:{value:g}")
    return found


@lru_cache(maxsize=8192)  # the same names come back in report after report
def name_key(word: str) -> str:
    """A key under which a proper name spelled in Latin or Cyrillic script, in any of the beat's
    languages, usually falls together: Rybakina = Рыбакина, Grozny = Грозный, Luxembourg =
    Люксембург (its first letters after transliteration and folding of spellings of the same
    sound; the first letters only, so that Kazakh case endings do not matter)."""
    latin = anyascii(word).casefold()
    for spelling, sound in _FOLDS:
        latin = latin.replace(spelling, sound)
    latin = re.sub(r"[^a-z]", "", latin)
    latin = re.sub(r"(.)\1+", r"\1", latin)
    return latin[:_KEY_LENGTH]


def _sentences(line: str) -> list[str]:
    """``line`` cut after each sentence's last mark, the spaces after it left out."""
    out, start = [], 0
    for found in _SENTENCE_BREAK.finditer(line):
        out.append(line[start : found.start() + 1])
        start = found.end()
    out.append(line[start:])
    return out


def _names(title: str, text: str) -> set[str]:
    keys = set()
    for line in (title, *text.split("\n")):
        for sentence in _sentences(line):
            words = _CAPITALISED.findall(sentence)
            # the first word of a sentence is capitalised whatever it is (a word found is the
            # sentence's first when the sentence starts with it: it would have been found there)
            if words and words[0][0].isupper() and sentence.startswith(words[0]):
                del words[0]
            for word in [w for w in words if w[0].isupper()]:
                if word.casefold() not in _NOT_NAMES:
                    key = name_key(word)
                    if len(key) >= 4:
                        keys.add(f"name:{key}")
    return keys


def _kinds(text: str) -> frozenset[str]:
    """The kinds of event whose words ``text`` has."""
    starts = [match.start() for match in _ANY_KIND.finditer(text)]
    return frozenset(kind for kind, pattern in _KINDS if any(pattern.match(text, at) for at in starts))


def signals(item: Item) -> Signals:
    """The features of ``item``: its classification's entities and topics, its figures and the
    proper names in its title and text."""
    features: dict[str, float] = {}
    if item.classification is not None:
        for entity in item.classification.entities:
            features[f"entity:{entity.name}"] = WEIGHTS.get(entity.kind, 1.0)
        for tag in item.classification.topics:
            features[f"topic:{tag.topic}"] = WEIGHTS["topic"]
    text = f"{item.title}\n{item.content_text}"
    for number in numbers(text):
        features[number] = WEIGHTS["amount" if number.startswith("amount:") else "number"]
    # names the gazetteer already recognised are counted once, as entities
    known = {f"name:{name_key(w)}" for f in features if f.startswith("entity:") for w in f[7:].split()}
    # German capitalises every noun: its capitalised words are mostly no names
    found = set() if item.lang == "de" else _names(item.title, item.content_text)
    for name in found - known:
        features[name] = WEIGHTS["name"]
    kinds = _kinds(text)
    for kind in kinds:
        features[f"kind:{kind}"] = WEIGHTS["kind"]
    # one string for each feature however many reports have it: reports are compared by
    # looking their features up in each other's (the same string is found without comparing
    # its characters), and a run keeps thousands of reports
    features = {_intern(feature): weight for feature, weight in features.items()}
    return Signals(features=features, lang=item.lang, published=item.published, kinds=kinds)
