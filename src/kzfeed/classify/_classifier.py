"""The keywords classifier: gazetteer and topic terms compiled once, matched word by word."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from itertools import compress
from operator import itemgetter
from typing import Any, ClassVar

from kzfeed.classify._gazetteer import Gazetteer, compile_gazetteer, load_gazetteer
from kzfeed.classify._lang import detect_language, warm_up
from kzfeed.classify._patterns import Element, Mode, Pattern, PatternIndex, matches_rest, parse_term
from kzfeed.classify._scoring import EntityRef, Hit, Mention, TermRef, score_relevance, score_topics
from kzfeed.classify._text import fold, make_stemmer, segment
from kzfeed.classify._vocabulary import ALL_LANGUAGES, ANY_LANGUAGE, Vocabulary, load_vocabulary
from kzfeed.errors import ConfigError
from kzfeed.models import Classification, Document
from kzfeed.sources import check_options

__all__ = ["KeywordClassifier"]

_WEAK_WEIGHT = 0.5
# Words seen before are looked up, not re-stemmed.
_CACHE_LIMIT = 200_000

EntityPatterns = tuple[Pattern[EntityRef], ...]
TermPatterns = tuple[Pattern[TermRef], ...]
#: what a word is to the matcher: (word, casefolded form, stem, entities and terms starting with
#: it, whether there is any)
TokenInfo = tuple[str, str, str, EntityPatterns, TermPatterns, bool]

#: is any pattern starting at this word? (precomputed so the scan can skip words in C)
_ANY = itemgetter(5)


class _WordCache(dict[str, TokenInfo]):
    """Word -> what it is to the matcher; a word not seen before is worked out on first lookup."""

    __slots__ = ("describe",)

    def __init__(self, describe: Callable[[str], TokenInfo]) -> None:
        super().__init__()
        self.describe = describe

    def __missing__(self, token: str) -> TokenInfo:
        if len(self) > _CACHE_LIMIT:  # news vocabulary is bounded, but never grow without end
            self.clear()
        info = self[token] = self.describe(token)
        return info


class _LanguageMatcher:
    """Everything needed to read one language: its stemmer, its term index, a word cache."""

    __slots__ = ("cache", "entities", "stem", "terms")

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
        self.cache = _WordCache(self.describe)

    def describe(self, token: str) -> TokenInfo:
        form = fold(token)
        stemmed = self.stem(form) if self.stem is not None else form
        entities = self.entities.starting_at(token, form, form)
        terms = self.terms.starting_at(token, form, stemmed)
        return (token, form, stemmed, entities, terms, bool(entities or terms))


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
        self._entities = compile_gazetteer(self.gazetteer, EntityRef)
        self._languages: dict[str, _LanguageMatcher] = {}
        for lang in self.PRECOMPILED:
            self._matcher(lang)
        warm_up()

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

    def classify(self, document: Document) -> Classification:
        """Decide relevance, topics and entities of one document, with the evidence for each."""
        segments = segment(document.title, document.text)
        tokens = segments.tokens
        lang = _language_code(document.lang) or detect_language(document.title, document.text, tokens)
        matcher = self._matcher(lang or "und")
        # one C-level pass of dictionary lookups; words not seen before are described on the way
        infos = list(map(matcher.cache.__getitem__, tokens))
        title_end, lead_end = segments.title_end, segments.lead_end
        breaks, newlines = segments.breaks, segments.newlines

        # Entities and topic terms are matched independently, each leftmost-longest without
        # overlaps; only positions where some pattern starts are visited.
        mentions: list[Mention] = []
        hits: list[Hit] = []
        entities_free = terms_free = 0
        for position in compress(range(len(infos)), map(_ANY, infos)):
            _token, _form, _stem, entities, terms, _any = infos[position]
            if entities and position >= entities_free:
                for entity in entities:  # longest first
                    size = len(entity.elements)
                    if size == 1 or matches_rest(entity.elements, infos, position):
                        field = 0 if position < title_end else (1 if position < lead_end else 2)
                        sentence = bisect_right(breaks, position)
                        # the title and the lead are one unit; the body's units are its paragraphs
                        unit = 0 if field < 2 else bisect_right(newlines, position)
                        for ref in entity.payloads:
                            mentions.append((ref, field, sentence, unit))
                        entities_free = position + size
                        break
            if terms and position >= terms_free:
                for term in terms:
                    size = len(term.elements)
                    if size == 1 or matches_rest(term.elements, infos, position):
                        field = 0 if position < title_end else (1 if position < lead_end else 2)
                        sentence = bisect_right(breaks, position)
                        end = position + size
                        for topic_term in term.payloads:
                            hits.append((topic_term, field, sentence, position, end))
                        terms_free = end
                        break

        relevance = score_relevance(mentions, self.threshold)
        return Classification(
            relevant=relevance.relevant,
            relevance=relevance.score,
            topics=score_topics(hits, self.topic_threshold),
            entities=relevance.entities,
            evidence=relevance.evidence,
            reason=relevance.reason,
            lang=lang,
            classifier=self.name,
        )


def _language_code(lang: str | None) -> str | None:
    """'fr-FR', 'FR', 'fr_fr' -> 'fr'; empty -> None."""
    if not lang:
        return None
    return lang.strip().replace("_", "-").split("-", 1)[0].lower() or None
