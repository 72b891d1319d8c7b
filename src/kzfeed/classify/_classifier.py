"""The keywords classifier: gazetteer and topic terms compiled once, matched word by word."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import compress
from operator import itemgetter
from typing import Any, ClassVar, TypeVar

from kzfeed.classify._cache import WordCache
from kzfeed.classify._gazetteer import Gazetteer, compile_gazetteer, load_gazetteer
from kzfeed.classify._patterns import Element, Mode, Pattern, PatternIndex, matches_rest, parse_term
from kzfeed.classify._scoring import EntityRef, Hit, Mention, TermRef, score_relevance
from kzfeed.classify._text import BREAKS, chunk_tokens, kazakh_bases, make_stemmer, read_fields
from kzfeed.classify._topics import Layout, score_topics
from kzfeed.classify._vocabulary import ALL_LANGUAGES, ANY_LANGUAGE, Vocabulary, load_vocabulary
from kzfeed.errors import ConfigError
from kzfeed.lang import detect_language
from kzfeed.models import ArticleText, Classification
from kzfeed.sources import check_options

__all__ = ["KeywordClassifier"]

_WEAK_WEIGHT = 0.5
#: an item whose context (sport) outweighs every topic keeps this share of its relevance score
CONTEXT_FACTOR = 0.3
# Words seen before are looked up, not re-stemmed: at most this many kept per cache and
# generation (see WordCache; chosen by measurement, docs/benchmarks.md "bounded word caches"; twice
# the figures of then, when chunks and words had a cache each, since one holds both)
_CACHE_LIMIT = 65_536
_ONCE_LIMIT = 16_384
#: languages that write compounds as one word: a noun (capitalised) no term starts is tried for a
#: term that ends it (Luftverschmutzung is a Verschmutzung)
COMPOUNDING = frozenset({"de"})
#: languages whose names take -s in the genitive (Litauens, Polens, Wiens), and the least letters
#: such a word has
GENITIVE_S = frozenset({"de"})
GENITIVE_MIN = 5
#: the least letters a word has for its ending to be tried as a term
COMPOUND_MIN = 8

EntityPatterns = tuple[Pattern[EntityRef], ...]
TermPatterns = tuple[Pattern[TermRef], ...]
#: what a word is to the matcher: (word, casefolded form, stem, entities and terms starting with
#: it, whether the scan visits it (something starts there or it is a break), its step in the
#: sentence key: 0, 1 if it ends a sentence, 1 + _PARAGRAPH if it is a line break)
#: then the one entity and the one term it stands for when that needs no look at the next words
#: (a one-word pattern alone, with one payload), else None
TokenInfo = tuple[str, str, str, EntityPatterns, TermPatterns, bool, int, EntityRef | None, TermRef | None]

#: The running sum of the steps is a position's sentence key: sentence breaks so far, plus line
#: breaks so far times _PARAGRAPH. Two positions share a sentence exactly when they share the key,
#: and ``key >> _PARAGRAPH_BITS`` is the paragraph (the line breaks up to the position).
_PARAGRAPH_BITS = 40
_PARAGRAPH = 1 << _PARAGRAPH_BITS

#: how many first letters of a word key the prefix patterns that may start with it
_PREFIX_KEY = PatternIndex.PREFIX_KEY
#: does a pattern start at this word or does it end a sentence? (read in C by the scan)
_VISIT = itemgetter(5)


class _LanguageMatcher:
    """Everything needed to read one language: its stemmer, its term index, a word cache."""

    __slots__ = ("breaks", "chunks", "compounds", "entities", "first", "genitive", "kazakh", "newline",
                 "stem", "terms")  # fmt: skip

    def __init__(self, lang: str, vocabulary: Vocabulary, entities: PatternIndex[EntityRef]) -> None:
        self.stem = make_stemmer(lang)
        mode: Mode = "stem" if self.stem is not None else ("prefix" if lang == "kk" else "exact")
        compiled: list[tuple[tuple[Element, ...], TermRef]] = []
        refs: dict[tuple[str, str], TermRef] = {}
        for topic in vocabulary.topics:
            for lists, weight in ((topic.terms, 1.0), (topic.weak, _WEAK_WEIGHT)):
                for key, term_mode in ((lang, mode), (ALL_LANGUAGES, mode), (ANY_LANGUAGE, "exact")):
                    for term in lists.get(key, ()):
                        elements = parse_term(term, term_mode, self.stem)
                        ref = refs.setdefault((topic.name, term), TermRef(topic.name, term, weight))
                        compiled.append((elements, ref))
        self.terms: PatternIndex[TermRef] = PatternIndex(compiled, key=lambda ref: ref.topic)
        self.entities = entities
        #: Kazakh adds its endings to names: Римде is Rome, though the gazetteer lists "Рим" exactly
        #: (the forms of the one-word names, for Kazakh; None for other languages)
        self.kazakh = entities.one_word_forms() if lang == "kk" else None
        #: German adds -s to a name of the genitive: Litauens is Lithuania's, though the gazetteer
        #: lists "Litauen" exactly
        self.genitive = lang in GENITIVE_S
        self.compounds = (
            self.terms.compound_heads(self.stem, _written_as_noun)
            if lang in COMPOUNDING and self.stem is not None
            else None
        )
        # what a word must be for a name or a term to start with it (names are not stemmed: their
        # "stems" are forms): most words are none of it, found by four lookups in C
        cased, forms, stems, prefixes = entities.first_words()
        term_cased, term_forms, term_stems, term_prefixes = self.terms.first_words()
        for key, found in term_prefixes.items():
            prefixes[key] = prefixes.get(key, ()) + found
        self.first = (cased | term_cased, forms | stems | term_forms, term_stems, prefixes)
        #: whitespace-separated chunk of text ("l'UE,", "Astana") -> what its tokens are to the
        #: matcher; a word of a longer chunk is looked up as the chunk it would be alone
        self.chunks: WordCache[str, tuple[TokenInfo, ...]] = WordCache(
            self.describe_chunk, _CACHE_LIMIT, _ONCE_LIMIT
        )
        #: the sentence and line breaks, described once
        self.breaks = {mark: self.describe(mark) for mark in BREAKS}
        self.newline = self.breaks["\n"]

    def describe(self, token: str) -> TokenInfo:
        form = token.casefold()  # fold(token), without a call: Russian ё is read as е
        if "ё" in form:
            form = form.replace("ё", "е")
        form = token if form == token else form  # one string kept, not two equal ones
        stemmed = self.stem(form) if self.stem is not None else form
        stemmed = form if stemmed == form else stemmed
        cased, forms, stems, prefixes = self.first
        if (
            token in cased
            or form in forms
            or stemmed in stems
            or ((starts := prefixes.get(form[:_PREFIX_KEY])) is not None and form.startswith(starts))
        ):
            entities = self.entities.starting_at(token, form, form)
            terms = self.terms.starting_at(token, form, stemmed)
        else:  # no name and no term starts with it (the common case)
            entities = terms = ()
        if not entities and self.kazakh is not None:
            entities = _inflected_name(self.entities, self.kazakh, form)
        elif (
            not entities
            and self.genitive
            and len(form) >= GENITIVE_MIN
            and form[-1] == "s"
            and token[0].isupper()
        ):
            entities = self.entities.one_word(form[:-1])
        if not terms and self.compounds is not None and len(form) >= COMPOUND_MIN and token[0].isupper():
            terms = self.compounds.head(form)  # a noun no term starts: is it a compound of one?
        step = (1 + _PARAGRAPH if token == "\n" else 1) if token in BREAKS else 0
        return (
            token, form, stemmed, entities, terms, bool(entities or terms or step), step,
            _alone(entities) if entities else None, _alone(terms) if terms else None,
        )  # fmt: skip

    def describe_chunk(self, chunk: str) -> tuple[TokenInfo, ...]:
        if chunk.isalnum():  # most chunks are one plain word (what chunk_tokens makes of them)
            return (self.describe(chunk),)
        chunks, breaks = self.chunks, self.breaks
        return tuple(
            [  # a list, then a tuple: cheaper than a generator
                # a word (isalnum: what \w+ means, bar "_") as the chunk it is alone, cached
                chunks[token][0] if token.isalnum() else breaks.get(token) or self.describe(token)
                for token in chunk_tokens(chunk)
            ]
        )

    def next_document(self) -> None:
        self.chunks.next_document()


class KeywordClassifier:
    """Multilingual keyword classifier for Kazakhstan–EU cooperation news (the default, ``keywords``).

    Build it with :meth:`from_options` (from the ``[classifier]`` config table) or directly.
    Everything is compiled when it is built; :meth:`classify` reads each distinct word once.
    An instance is not meant to be shared between threads (the stemmers are not thread-safe).
    """

    name: ClassVar[str] = "keywords"
    #: languages whose vocabulary is compiled up front; others are compiled on first use
    PRECOMPILED = ("en", "fr", "de", "ru", "kk")

    def __init__(
        self,
        *,
        vocabulary: Vocabulary | None = None,
        gazetteer: Gazetteer | None = None,
        threshold: float = 0.5,
        topic_threshold: float = 0.5,
    ) -> None:
        for key, value in (("threshold", threshold), ("topic_threshold", topic_threshold)):
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"classifier 'keywords': {key!r} must be between 0 and 1, not {value}")
        self.threshold = float(threshold)
        self.topic_threshold = float(topic_threshold)
        self.vocabulary = vocabulary if vocabulary is not None else load_vocabulary()
        self.gazetteer = gazetteer if gazetteer is not None else load_gazetteer()
        # a name stands for one entity in the output, of the kind of its first entry
        kinds: dict[str, str] = {}
        for entry in self.gazetteer:
            kinds.setdefault(entry.name, entry.kind)
        self._entities = compile_gazetteer(self.gazetteer, lambda entry: EntityRef(entry, kinds[entry.name]))
        self._context_names = frozenset(self.vocabulary.contexts)
        #: heads of state and officials of both sides named up front: a visit, a summit, talks
        self._leaders = (
            TermRef(LEADERS_TOPIC, LEADERS_TERM, LEADERS_WEIGHT)
            if LEADERS_TOPIC in self.vocabulary.names
            else None
        )
        self._languages: dict[str, _LanguageMatcher] = {}
        for lang in self.PRECOMPILED:
            self._matcher(lang)
        # the language model (~80 MiB, ~0.5 s) is loaded by the first text whose function words
        # do not settle its language (``kzfeed.lang``), not here: a run may need none

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> KeywordClassifier:
        """Build the classifier from the ``[classifier]`` table of the config, without ``name``.

        Keys: ``threshold`` and ``topic_threshold`` (0..1, default 0.5), ``topics`` (tables
        ``[classifier.topics.<name>]`` extending or replacing a topic's terms, or adding a topic),
        ``entities`` (``[[classifier.entities]]`` added to the gazetteer). Unknown keys raise
        ``ConfigError`` naming the key.
        """
        check_options(
            "classifier 'keywords'",
            options,
            {"threshold": (float, int), "topic_threshold": (float, int), "topics": dict, "entities": list},
        )
        return cls(
            vocabulary=load_vocabulary(options.get("topics")),
            gazetteer=load_gazetteer(options.get("entities")),
            threshold=float(options.get("threshold", 0.5)),
            topic_threshold=float(options.get("topic_threshold", 0.5)),
        )

    def _matcher(self, lang: str) -> _LanguageMatcher:
        matcher = self._languages.get(lang)
        if matcher is None:
            matcher = self._languages[lang] = _LanguageMatcher(lang, self.vocabulary, self._entities)
        return matcher

    def classify(self, document: ArticleText) -> Classification:
        """Decide relevance, topics and entities of one document, with the evidence for each."""
        lang = _language_code(document.lang) or detect_language(document.text, title=document.title)
        matcher = self._matcher(lang or "und")
        matcher.next_document()
        # dictionary lookups of whole chunks, in C; chunks not seen before are described on the way
        infos, title_end, lead_end = read_fields(
            document.title, document.text, matcher.chunks.__getitem__, matcher.newline
        )
        size_all = len(infos)
        # a newline after the end: the word after the last one, which no phrase's word matches
        infos.append(matcher.newline)

        # Entities and topic terms are matched independently, each leftmost-longest without
        # overlaps; only positions where some pattern starts (or a sentence ends) are visited, and
        # a word that alone stands for one thing is taken without trying its patterns.
        mentions: list[Mention] = []
        hits: list[Hit] = []
        entities_free = terms_free = 0
        # the sentence key: sentence breaks so far, plus line breaks so far times _PARAGRAPH
        sentence = 0
        newlines: list[int] = []  # where the paragraphs end
        for position in compress(range(size_all), map(_VISIT, infos)):
            info = infos[position]
            if step := info[6]:  # a sentence or line break, where no pattern starts
                sentence += step
                if step > 1:
                    newlines.append(position)
                continue
            field = 0 if position < title_end else (1 if position < lead_end else 2)
            # a name's unit: the title and the lead are one; the body's units are its paragraphs
            if position < entities_free:  # inside a name matched before
                pass
            elif (ref := info[7]) is not None:  # the one name this word alone stands for
                mentions.append((ref, field, sentence, 0 if field < 2 else sentence >> _PARAGRAPH_BITS))
            elif entities := info[3]:
                for entity in entities:  # longest first
                    if (second := entity.second) is not None and not (
                        second[1](infos[position + 1][second[0]])  # type: ignore[arg-type]  # a str
                        and (entity.size == 2 or matches_rest(entity.elements, infos, position))
                    ):
                        continue
                    unit = 0 if field < 2 else sentence >> _PARAGRAPH_BITS
                    for ref in entity.payloads:
                        mentions.append((ref, field, sentence, unit))
                    entities_free = position + entity.size
                    break
            if position < terms_free:
                pass
            elif (topic_term := info[8]) is not None:  # the one term this word alone is
                hits.append(
                    (topic_term, field, sentence, position, position + 1, sentence >> _PARAGRAPH_BITS)
                )
            elif terms := info[4]:
                for term in terms:
                    if (second := term.second) is not None and not (
                        second[1](infos[position + 1][second[0]])  # type: ignore[arg-type]  # a str
                        and (term.size == 2 or matches_rest(term.elements, infos, position))
                    ):
                        continue
                    end = terms_free = position + term.size
                    paragraph = sentence >> _PARAGRAPH_BITS
                    for topic_term in term.payloads:
                        hits.append((topic_term, field, sentence, position, end, paragraph))
                    break

        if self._leaders is not None:
            hits[:0] = _leaders_meet(mentions, self._leaders)
        holders = {sentence for ref, _field, sentence, *_ in hits if ref.term in HOLDING_TERMS}
        relevance = score_relevance(mentions, self.threshold, holders)
        layout = Layout(newlines, lead_end, size_all)
        topics, notes, context = score_topics(hits, self.topic_threshold, layout, self._context_names)
        relevant, score, reason = relevance.relevant, relevance.score, relevance.reason
        if context is not None and relevant:  # a match report that names Kazakhstan and Spain
            label = self.vocabulary.contexts[context].lower()
            score = round(score * CONTEXT_FACTOR, 4)
            reason = f"not relevant: a {label} report; {reason.removeprefix('relevant: ')}"
            relevant = False
        return Classification(
            relevant=relevant,
            relevance=score,
            topics=topics,
            entities=relevance.entities,
            evidence=relevance.evidence + notes,
            reason=reason,
            lang=lang,
            classifier=self.name,
        )


R = TypeVar("R")

#: when the title or the lead names a person of the Kazakh side and one of the EU side, the
#: story is about their meeting: evidence for political dialogue, as one lead term
LEADERS_TOPIC = "political_dialogue"
LEADERS_TERM = "leaders of both sides named up front"
LEADERS_WEIGHT = 0.75


#: trade terms (as topics.toml writes them) that make a sentence's list of foreign companies the
#: owners of a consortium (Eni, Shell, Chevron and Lukoil as Karachaganak's shareholders), not a
#: list of bidders: an EU-side company there keeps its weight
HOLDING_TERMS = frozenset(
    {
        "shareholders",
        "shareholder",
        "stake",
        "actionnaires",
        "actionnaire",
        "Aktionär*",
        "акционер*",
        "акционер",
    }
)


def _leaders_meet(mentions: list[Mention], leaders: TermRef) -> list[Hit]:
    sides = {ref.side for ref, field, _s, _u in mentions if field < 2 and ref.kind == "person"}
    return [(leaders, 1, -1, -10, -10, 0)] if {"kz", "eu"} <= sides else []


def _written_as_noun(ref: TermRef) -> bool:
    """Whether the vocabulary writes the term capitalised, as German writes its nouns."""
    return ref.term.lstrip("=")[:1].isupper()


def _inflected_name(
    entities: PatternIndex[EntityRef], names: frozenset[str], form: str
) -> tuple[Pattern[EntityRef], ...]:
    """The one-word names a Kazakh word is once its ending is taken off (``римде`` -> Rome);
    ``names``: the forms of all one-word names (``entities.one_word_forms()``)."""
    for base in kazakh_bases(form):
        if base in names:
            return entities.one_word(base)
    return ()


def _alone(patterns: tuple[Pattern[R], ...]) -> R | None:
    """What a word stands for when ``patterns`` (those starting with it) are one one-word pattern
    with one payload: the scan then takes it without trying anything; else None."""
    if len(patterns) == 1 and patterns[0].size == 1 and len(patterns[0].payloads) == 1:
        return patterns[0].payloads[0]
    return None


def _language_code(lang: str | None) -> str | None:
    """'fr-FR', 'FR', 'fr_fr' -> 'fr'; empty -> None."""
    if not lang:
        return None
    return lang.strip().replace("_", "-").split("-", 1)[0].lower() or None
