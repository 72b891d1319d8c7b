"""The topic vocabulary: the packaged ``topics.toml``, extended or overridden from the user's config."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from kzfeed.classify._patterns import parse_term
from kzfeed.errors import ConfigError

__all__ = [
    "ALL_LANGUAGES",
    "ANY_LANGUAGE",
    "VOCABULARY_LANGUAGES",
    "TopicVocabulary",
    "Vocabulary",
    "load_vocabulary",
]

#: languages the packaged vocabulary is written in
VOCABULARY_LANGUAGES = ("en", "fr", "de", "ru", "kk")
#: key of the list of names matched exactly in every language
ANY_LANGUAGE = "any"
#: key of a flat list from the user's config: compiled with each language's own rules
ALL_LANGUAGES = "all"
_LIST_KEYS = (*VOCABULARY_LANGUAGES, ANY_LANGUAGE)
_TOPIC_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_PACKAGED_KEYS = frozenset({"label", "covers", "terms", "weak", "context"})
_USER_KEYS = frozenset({"label", "covers", "terms", "weak", "replace"})


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicVocabulary:
    """The terms of one topic, by language key (``en`` … ``kk``, ``any``, ``all``)."""

    name: str
    label: str
    covers: str = ""
    #: terms that count fully
    terms: Mapping[str, tuple[str, ...]]
    #: generic terms that count half
    weak: Mapping[str, tuple[str, ...]]
    #: a context, not a topic of the beat (``sport``): never tagged; an item it dominates is off
    #: the beat whatever names it pairs
    context: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Vocabulary:
    """All topics, in the order they are declared."""

    topics: tuple[TopicVocabulary, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The topics that are tagged (contexts are not)."""
        return tuple(t.name for t in self.topics if not t.context)

    @property
    def contexts(self) -> dict[str, str]:
        """Context name -> label."""
        return {t.name: t.label for t in self.topics if t.context}

    def topic(self, name: str) -> TopicVocabulary:
        for topic in self.topics:
            if topic.name == name:
                return topic
        raise KeyError(name)


def _term_lists(where: str, key: str, value: Any, *, flat_ok: bool) -> dict[str, tuple[str, ...]]:
    if isinstance(value, list) and flat_ok:
        lists: Mapping[str, Any] = {ALL_LANGUAGES: value}
    elif isinstance(value, Mapping):
        lists = value
        for lang in lists:
            if lang not in _LIST_KEYS:
                known = ", ".join(_LIST_KEYS)
                raise ConfigError(f"{where}: unknown language {lang!r} in {key!r} (known: {known})")
    else:
        want = (
            "a list of strings or a table of lists by language" if flat_ok else "a table of lists by language"
        )
        raise ConfigError(f"{where}: {key!r} must be {want}")
    out: dict[str, tuple[str, ...]] = {}
    for lang, terms in lists.items():
        if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
            raise ConfigError(f"{where}: {key}.{lang} must be a list of non-empty strings")
        for term in terms:
            try:
                parse_term(term, "exact")
            except ValueError as exc:
                raise ConfigError(f"{where}: {exc}") from exc
        out[lang] = tuple(t.strip() for t in terms)
    return out


def _merge(
    old: Mapping[str, tuple[str, ...]], new: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    merged = dict(old)
    for lang, terms in new.items():
        merged[lang] = merged.get(lang, ()) + tuple(t for t in terms if t not in merged.get(lang, ()))
    return merged


def _check_table(where: str, table: Any, allowed: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: must be a table")
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{where}: unknown key {key!r} (known keys: {', '.join(sorted(allowed))})")
    for key in ("label", "covers"):
        if key in table and not isinstance(table[key], str):
            raise ConfigError(f"{where}: {key!r} must be a string")
    return table


def _packaged() -> dict[str, TopicVocabulary]:
    source = files("kzfeed.classify").joinpath("topics.toml").read_text(encoding="utf-8")
    topics: dict[str, TopicVocabulary] = {}
    for name, raw in tomllib.loads(source).items():
        where = f"topics.toml [{name}]"
        table = _check_table(where, raw, _PACKAGED_KEYS)
        topics[name] = TopicVocabulary(
            name=name,
            label=str(table.get("label", name)),
            covers=str(table.get("covers", "")),
            terms=_term_lists(where, "terms", table.get("terms", {}), flat_ok=False),
            weak=_term_lists(where, "weak", table.get("weak", {}), flat_ok=False),
            context=table.get("context", False) is True,
        )
    return topics


def load_vocabulary(overrides: Mapping[str, Any] | None = None) -> Vocabulary:
    """Load the packaged topic vocabulary and apply the user's ``[classifier.topics.*]`` tables.

    ``overrides`` maps a topic name to a table with ``terms`` and/or ``weak`` (a list of
    strings for every language, or a table of lists keyed by ``en``, ``fr``, ``de``, ``ru``,
    ``kk``, ``any``), ``replace`` (``true`` drops the packaged terms of that topic instead of
    adding to them), and optionally ``label`` and ``covers``. A name that is not a packaged
    topic adds a new topic. Raises ``ConfigError`` naming the bad key or term.
    """
    topics = _packaged()
    for name, raw in (overrides or {}).items():
        where = f"classifier.topics.{name}"
        if not _TOPIC_NAME_RE.match(name):
            raise ConfigError(f"{where}: a topic name is lower-case letters, digits and '_'")
        table = _check_table(where, raw, _USER_KEYS)
        replace = table.get("replace", False)
        if not isinstance(replace, bool):
            raise ConfigError(f"{where}: 'replace' must be true or false")
        terms = _term_lists(where, "terms", table.get("terms", {}), flat_ok=True)
        weak = _term_lists(where, "weak", table.get("weak", {}), flat_ok=True)
        old = topics.get(name)
        if old is None:
            if not terms and not weak:
                raise ConfigError(f"{where}: a new topic needs 'terms'")
            label = name.replace("_", " ").capitalize()
            old = TopicVocabulary(name=name, label=label, terms={}, weak={})
        elif not replace:
            terms, weak = _merge(old.terms, terms), _merge(old.weak, weak)
        topics[name] = TopicVocabulary(
            name=name,
            label=str(table.get("label", old.label)),
            covers=str(table.get("covers", old.covers)),
            terms=terms,
            weak=weak,
            context=old.context,
        )
    return Vocabulary(topics=tuple(topics.values()))
