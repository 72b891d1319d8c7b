"""The gazetteer: who and what counts as the Kazakhstan side, the EU side, or another partner."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, TypeVar

from kzfeed.classify._patterns import Element, PatternIndex, parse_term
from kzfeed.classify._text import strip_accents
from kzfeed.errors import ConfigError

__all__ = ["KINDS", "SIDES", "Gazetteer", "GazetteerEntry", "compile_gazetteer", "load_gazetteer"]

KINDS = ("person", "org", "place", "programme")
SIDES = ("kz", "eu", "other", "none")
_KEYS = frozenset({"name", "kind", "side", "aliases", "country", "weight", "competes", "generic"})
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class GazetteerEntry:
    """One person, organisation, place or programme and the ways it is written."""

    name: str
    kind: str
    side: str
    aliases: tuple[str, ...]
    #: the state an EU-side or other entity belongs to ("France", "China", "European Union")
    country: str | None = None
    #: strength as relevance evidence
    weight: float = 1.0
    #: for ``other`` entities: the side they take the place of in a story ("eu" or "kz")
    competes: str = "eu"
    #: weak evidence whose total is capped ("Europe")
    generic: bool = False

    @property
    def group(self) -> str:
        """What the entity stands for in a reason line: its country, else its name."""
        return self.country or self.name


@dataclass(frozen=True, slots=True, kw_only=True)
class Gazetteer:
    entries: tuple[GazetteerEntry, ...]

    def __iter__(self) -> Iterator[GazetteerEntry]:
        return iter(self.entries)


def _entry(where: str, raw: Any) -> GazetteerEntry:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: must be a table")
    for key in raw:
        if key not in _KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} (known keys: {', '.join(sorted(_KEYS))})")
    for key in ("name", "kind", "side", "aliases"):
        if key not in raw:
            raise ConfigError(f"{where}: missing key {key!r}")
    name, kind, side, aliases = raw["name"], raw["kind"], raw["side"], raw["aliases"]
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: 'name' must be a non-empty string")
    where = f"{where} ({name})"
    if kind not in KINDS:
        raise ConfigError(f"{where}: 'kind' must be one of {', '.join(KINDS)}")
    if side not in SIDES:
        raise ConfigError(f"{where}: 'side' must be one of {', '.join(SIDES)}")
    if (
        not isinstance(aliases, list)
        or not aliases
        or not all(isinstance(a, str) and a.strip() for a in aliases)
    ):
        raise ConfigError(f"{where}: 'aliases' must be a non-empty list of strings")
    for alias in aliases:
        try:
            parse_term(alias, "exact")
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from exc
    weight = raw.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
        raise ConfigError(f"{where}: 'weight' must be a positive number")
    country = raw.get("country")
    if country is not None and not isinstance(country, str):
        raise ConfigError(f"{where}: 'country' must be a string")
    competes = raw.get("competes", "eu")
    if competes not in ("eu", "kz"):
        raise ConfigError(f'{where}: \'competes\' must be "eu" or "kz"')
    generic = raw.get("generic", False)
    if not isinstance(generic, bool):
        raise ConfigError(f"{where}: 'generic' must be true or false")
    return GazetteerEntry(
        name=name.strip(),
        kind=kind,
        side=side,
        aliases=tuple(a.strip() for a in aliases),
        country=country,
        weight=float(weight),
        competes=competes,
        generic=generic,
    )


def load_gazetteer(extra: Sequence[Mapping[str, Any]] | None = None) -> Gazetteer:
    """Load the packaged gazetteer plus ``extra`` entries (the user's ``[[classifier.entities]]``).

    Extra entries have the shape of the packaged ones (see ``gazetteer.toml``) and are added to
    them; an extra entry with a name already known adds spellings to that entity, since
    mentions are counted by name. Raises ``ConfigError`` naming the entry and the key.
    """
    source = files("kzfeed.classify").joinpath("gazetteer.toml").read_text(encoding="utf-8")
    raw_entries = tomllib.loads(source).get("entity", [])
    entries = [_entry(f"gazetteer.toml entity {i + 1}", raw) for i, raw in enumerate(raw_entries)]
    if extra is not None and not isinstance(extra, Sequence):
        raise ConfigError("classifier.entities: must be an array of tables")
    entries.extend(_entry(f"classifier.entities[{i}]", raw) for i, raw in enumerate(extra or ()))
    return Gazetteer(entries=tuple(entries))


def _variants(alias: str) -> Iterator[str]:
    yield alias
    if not _CYRILLIC_RE.search(alias):
        plain = strip_accents(alias)
        if plain != alias:
            yield plain


def compile_gazetteer(gazetteer: Gazetteer, wrap: Callable[[GazetteerEntry], T]) -> PatternIndex[T]:
    """Index every alias (and its unaccented spelling) of every entry, as ``wrap(entry)``."""
    compiled: list[tuple[tuple[Element, ...], T]] = []
    names: dict[T, str] = {}
    for entry in gazetteer:
        payload = wrap(entry)
        names[payload] = entry.name
        for alias in entry.aliases:
            compiled.extend((parse_term(variant, "exact"), payload) for variant in _variants(alias))
    return PatternIndex(compiled, key=names.__getitem__)
