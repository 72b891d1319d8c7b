"""The term syntax shared by topics and gazetteer, compiled into an index looked up once per word.

A term is one or more words, matched in sequence. Each word is one element:

* ``word*`` — any word starting with ``word`` (casefolded; at least three letters);
* ``=word`` — exactly this word (casefolded), never stemmed;
* ``WORD`` in capitals (two or more characters) — exactly this word, case-sensitive (acronyms:
  EU, UE, ЕС, ЕО never match inside another word or in lower case);
* any other word — depends on the list it is in: Snowball-stemmed (``stem``), a prefix if it
  has four or more letters (``prefix``, for Kazakh), or exact (``exact``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import methodcaller
from typing import Any, ClassVar, Generic, Literal, TypeVar

from kzfeed.classify._text import fold

__all__ = [
    "CASE",
    "EXACT",
    "PREFIX",
    "STEM",
    "CompoundHeads",
    "Element",
    "Pattern",
    "PatternIndex",
    "matches_rest",
    "parse_term",
]

EXACT, PREFIX, STEM, CASE = 0, 1, 2, 3
Element = tuple[int, str]
Mode = Literal["stem", "prefix", "exact"]
P = TypeVar("P")

_WORD_RE = re.compile(r"(=?)(\w+)(\*?)")
_MIN_PREFIX = 3
#: a compound word's last part, when it is a term, is at least this long, and what comes before it
#: at least COMPOUND_MODIFIER_MIN letters (Luft|verschmutzung, Liefer|vertrag)
COMPOUND_HEAD_MIN = 5
COMPOUND_MODIFIER_MIN = 3
_KAZAKH_PREFIX_FROM = 4


def parse_term(term: str, mode: Mode, stem: Callable[[str], str] | None = None) -> tuple[Element, ...]:
    """Compile one term into its elements; raise ``ValueError`` saying what is wrong with it."""
    elements: list[Element] = []
    for exact, word, star in _WORD_RE.findall(term):
        if exact and star:
            raise ValueError(f"term {term!r}: a word cannot be both =exact and a prefix*")
        form = fold(word)
        if exact:
            elements.append((EXACT, form))
        elif star:
            if len(form) < _MIN_PREFIX:
                raise ValueError(f"term {term!r}: prefix {word!r}* is shorter than {_MIN_PREFIX} letters")
            elements.append((PREFIX, form))
        elif len(word) >= 2 and word.isupper():
            elements.append((CASE, word))
        elif mode == "stem" and stem is not None:
            elements.append((STEM, stem(form)))
        elif mode == "prefix" and len(form) >= _KAZAKH_PREFIX_FROM:
            elements.append((PREFIX, form))
        else:
            elements.append((EXACT, form))
    if not elements:
        raise ValueError(f"term {term!r} has no words")
    return tuple(elements)


#: which part of a word's ``(token, casefolded form, stem, ...)`` each kind of element reads
_READS = {CASE: 0, EXACT: 1, PREFIX: 1, STEM: 2}


@dataclass(frozen=True, slots=True)
class Pattern(Generic[P]):
    """A compiled term and what it stands for (several payloads when terms coincide)."""

    elements: tuple[Element, ...]
    payloads: tuple[P, ...]
    #: the number of words
    size: int = 0
    #: the second word as (part of a word read, test of that part), checked inline by the scan;
    #: None for a one-word pattern
    second: tuple[int, Callable[[str], object]] | None = None


def _pattern(elements: tuple[Element, ...], payloads: tuple[P, ...]) -> Pattern[P]:
    second = None
    if len(elements) > 1:
        kind, value = elements[1]
        # both tests run in C: str.startswith (called by methodcaller: no regex to compile for
        # each of a few hundred prefixes when the classifier is built), or str equality
        test = methodcaller("startswith", value) if kind == PREFIX else value.__eq__
        second = (_READS[kind], test)
    return Pattern(elements, payloads, len(elements), second)


class PatternIndex(Generic[P]):
    """Patterns indexed by their first element, so each distinct word costs a few dict lookups."""

    __slots__ = ("_by_case", "_by_form", "_by_prefix", "_by_stem", "size")
    #: a prefix pattern is found by this many first letters of a word (it is at least as long)
    PREFIX_KEY: ClassVar[int] = _MIN_PREFIX

    def __init__(
        self, entries: Iterable[tuple[tuple[Element, ...], P]], key: Callable[[P], object] | None = None
    ) -> None:
        """Index ``(elements, payload)`` pairs. Terms that compile alike ("visa", "visas") share one
        pattern; of their payloads, only the first with each ``key(payload)`` is kept."""
        merged: dict[tuple[Element, ...], list[P]] = defaultdict(list)
        keys: dict[tuple[Element, ...], set[object]] = defaultdict(set)
        for elements, payload in entries:
            k = key(payload) if key is not None else payload
            if k not in keys[elements]:
                keys[elements].add(k)
                merged[elements].append(payload)
        self._by_case: dict[str, list[Pattern[P]]] = defaultdict(list)
        self._by_form: dict[str, list[Pattern[P]]] = defaultdict(list)
        self._by_stem: dict[str, list[Pattern[P]]] = defaultdict(list)
        self._by_prefix: dict[str, list[Pattern[P]]] = defaultdict(list)
        buckets = {CASE: self._by_case, EXACT: self._by_form, STEM: self._by_stem}
        for elements, payloads in merged.items():
            kind, value = elements[0]
            pattern = _pattern(elements, tuple(payloads))
            if kind == PREFIX:
                self._by_prefix[value[:_MIN_PREFIX]].append(pattern)
            else:
                buckets[kind][value].append(pattern)
        self.size = len(merged)

    def one_word(self, form: str) -> tuple[Pattern[P], ...]:
        """The one-word patterns that are exactly this (casefolded) word."""
        found = self._by_form.get(form)
        return tuple(p for p in found if p.size == 1) if found else ()

    def one_word_forms(self) -> frozenset[str]:
        """The forms for which :meth:`one_word` finds something."""
        return frozenset(form for form, found in self._by_form.items() if any(p.size == 1 for p in found))

    def compound_heads(self, stem: Callable[[str], str], noun: Callable[[P], bool]) -> CompoundHeads[P]:
        """What ends a compound word, in a language whose stems ``stem`` gives: the one-word
        patterns whose payloads are all nouns (``noun(payload)``)."""
        patterns = (p for ps in (*self._by_form.values(), *self._by_stem.values(), *self._by_prefix.values())
                    for p in ps if p.size == 1 and all(map(noun, p.payloads)))  # fmt: skip
        return CompoundHeads(patterns, stem)

    def first_words(
        self,
    ) -> tuple[frozenset[str], frozenset[str], frozenset[str], dict[str, tuple[str, ...]]]:
        """What a word must be for some pattern to start with it: its token (case-sensitive), its
        casefolded form or its stem, or its form starts with a prefix (listed by its first
        :attr:`PREFIX_KEY` letters); :meth:`starting_at` returns ``()`` for any other word."""
        prefixes = {key: tuple(p.elements[0][1] for p in found) for key, found in self._by_prefix.items()}
        return frozenset(self._by_case), frozenset(self._by_form), frozenset(self._by_stem), prefixes

    def starting_at(self, token: str, form: str, stem: str) -> tuple[Pattern[P], ...]:
        """Patterns whose first element matches this word, longest first."""
        # most words start nothing: four lookups in C and out (a word is described once per process)
        if (
            token not in self._by_case
            and form not in self._by_form
            and stem not in self._by_stem
            and form[:_MIN_PREFIX] not in self._by_prefix
        ):
            return ()
        found: list[Pattern[P]] = []
        if token in self._by_case:
            found.extend(self._by_case[token])
        if form in self._by_form:
            found.extend(self._by_form[form])
        if stem in self._by_stem:
            found.extend(self._by_stem[stem])
        key = form[:_MIN_PREFIX]
        if key in self._by_prefix:
            found.extend(p for p in self._by_prefix[key] if form.startswith(p.elements[0][1]))
        if len(found) > 1:
            found.sort(key=lambda p: -len(p.elements))
        return tuple(found)


class CompoundHeads(Generic[P]):
    """One-word patterns that can end a compound word, as German writes them: *Luftverschmutzung*
    is a *Verschmutzung*, *Bundeskanzler* a *Kanzler*, *Großinvestitionen* *Investitionen*.

    The ending must be the term's word itself, stemmed alike (*Verschmutzung*, *Investitionen*),
    not merely start with it (*Außenbeauftragte* does not end with an *Auftrag*), and the term is
    at least five letters long (*Fähre* stems to *fahr*, the ending of *Verfahren*).
    """

    __slots__ = ("_heads", "_stem")

    def __init__(self, patterns: Iterable[Pattern[P]], stem: Callable[[str], str]) -> None:
        self._stem = stem
        #: by the first three letters of the ending: (pattern, the ending's stem)
        self._heads: dict[str, list[tuple[Pattern[P], int, str]]] = defaultdict(list)
        for pattern in patterns:
            kind, value = pattern.elements[0]
            if len(value) >= COMPOUND_HEAD_MIN:
                root = stem(value) if kind == PREFIX else value
                self._heads[value[:_MIN_PREFIX]].append((pattern, kind, root))

    def head(self, form: str) -> tuple[Pattern[P], ...]:
        """The pattern that ends the compound word ``form`` (casefolded), longest ending first,
        after at least COMPOUND_MODIFIER_MIN letters; ``()`` if none does."""
        heads = self._heads
        for start in range(COMPOUND_MODIFIER_MIN, len(form) - COMPOUND_HEAD_MIN + 1):
            found = heads.get(form[start : start + _MIN_PREFIX])
            if not found:
                continue
            tail = form[start:]
            for pattern, kind, root in found:
                if kind == EXACT:
                    if tail == root:
                        return (pattern,)
                # a prefix term (Lokomotive*) must start the ending as written; then its stem decides
                elif (kind != PREFIX or tail.startswith(pattern.elements[0][1])) and self._stem(tail) == root:
                    return (pattern,)
        return ()


def matches_rest(elements: tuple[Element, ...], infos: Sequence[tuple[Any, ...]], start: int) -> bool:
    """Whether elements[1:] match the words after ``start`` (the first is already known to match).

    ``infos`` holds, per position, ``(token, casefolded form, stem, ...)``.
    """
    if start + len(elements) > len(infos):
        return False
    position = start
    for kind, value in elements[1:]:
        position += 1
        token, form, stem = infos[position][:3]
        if kind == PREFIX:
            ok = form.startswith(value)
        else:
            ok = (form if kind == EXACT else stem if kind == STEM else token) == value
        if not ok:
            return False
    return True
