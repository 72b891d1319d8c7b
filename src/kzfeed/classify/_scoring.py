"""Scores: how strongly a document pairs Kazakhstan with the EU side, and which topics it develops.

Matches carry their field (0 title, 1 lead, 2 body), sentence and position; docs/classifier.md
explains the formulas. This runs once per document, so it is written for speed.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from operator import attrgetter, itemgetter, neg

from kzfeed.classify._gazetteer import GazetteerEntry
from kzfeed.models import Entity, Evidence

__all__ = [
    "FIELDS",
    "FIELD_WEIGHTS",
    "EntityRef",
    "EvidenceKey",
    "Hit",
    "Mention",
    "Relevance",
    "TermRef",
    "score_relevance",
    "shared_evidence",
]

FIELDS = ("title", "lead", "body")
#: the title and the lead say what an article is about; the body counts once per mention
FIELD_WEIGHTS = (3.0, 2.0, 1.0)

# --- relevance ---
#: weighted mentions at which a side's strength is 1 - 1/e (strength = 1 - e^(-w/scale))
SIDE_SCALE = 3.0
#: weighted KZ+EU pairings (same paragraph; title and lead count as one) at which the link is 1 - 1/e
LINK_SCALE = 2.0
#: EU-side mentions in a sentence that also names two or more other foreign partners, more of them
#: than EU-side ones (a list of bidders, of trade partners), are worth this much
LIST_DISCOUNT = 0.3
#: the other mentions of an EU-side company named in such a list (the losing bidder the article
#: comes back to) are worth this much
LISTED_ELSEWHERE = 0.5
#: companies of this many EU-side states in one list are a good part of a consortium (Italy's Eni and
#: France's TotalEnergies beside Shell, ExxonMobil, CNPC and Inpex), not a bidder lost among others
CONSORTIUM_GROUPS = 2
#: companies weigh less than states and institutions in the gazetteer (0.8): an org under this is one
COMPANY_WEIGHT = 1.0
#: the most that generic mentions ("Europe", "European") add to the EU side
GENERIC_CAP = 1.0
#: how much of a rival's weight (China for the EU side, Uzbekistan for the KZ side) dilutes focus
RIVAL_FACTOR = {"eu": 0.5, "kz": 1.0}
#: a side whose focus is at least 1 - FOCUS_FLOOR loses nothing to rivals
FOCUS_FLOOR = 0.35

_SIDE_ORDER = {"kz": 0, "eu": 1, "other": 2}


@dataclass(frozen=True, slots=True, eq=False)
class TermRef:
    """What a compiled topic term stands for. One object per (topic, term): compared by identity."""

    topic: str
    term: str
    weight: float
    #: the weight of one mention in the title, the lead and the body
    weights: tuple[float, ...] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", tuple(w * self.weight for w in FIELD_WEIGHTS))


class EntityRef:
    """A gazetteer entry as the scorer reads it, with what it needs precomputed."""

    __slots__ = (
        "competes", "entry", "generic", "group", "key", "kind", "name", "side", "side_order", "term", "weight",
        "weights",
    )  # fmt: skip

    def __init__(self, entry: GazetteerEntry, kind: str | None = None) -> None:
        self.entry = entry
        self.name, self.kind, self.side = entry.name, kind or entry.kind, entry.side
        #: how it is counted in the entity list: by name (extra spellings a user adds under a
        #: name count with it) and the kind of the first gazetteer entry with that name
        self.key = (self.name, self.kind)
        self.weight, self.generic, self.competes = entry.weight, entry.generic, entry.competes
        #: what the entity stands for in a reason line: its country, else its name
        self.group = entry.country or entry.name
        #: how it appears in relevance evidence: "side:name" ("eu:France")
        self.term = f"{entry.side}:{entry.name}"
        #: the weight of one mention in the title, the lead and the body
        self.weights = tuple(w * entry.weight for w in FIELD_WEIGHTS)
        self.side_order = _SIDE_ORDER.get(entry.side, len(_SIDE_ORDER))


#: (entity, field, sentence, unit); the unit is the paragraph, the title and lead counting as one
Mention = tuple[EntityRef, int, int, int]
#: (term, field, sentence, start, end, paragraph) with token positions; the paragraph counts the
#: line breaks before the term
Hit = tuple[TermRef, int, int, int, int, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class Relevance:
    relevant: bool
    score: float
    evidence: tuple[Evidence, ...]
    entities: tuple[Entity, ...]
    reason: str


#: (-weight, term, field, count): one line of evidence, in the order evidence is listed
EvidenceKey = tuple[float, str, int, int]
#: relevance evidence puts the rank of its side first
SideEvidenceKey = tuple[int, float, str, int, int]


class _SharedEvidence(dict[EvidenceKey | SideEvidenceKey, Evidence]):
    """Evidence values repeat across documents ("kz:Kazakhstan" in the body, 3 times) and are
    immutable: share them instead of building thousands of equal objects."""

    def __missing__(self, key: EvidenceKey | SideEvidenceKey) -> Evidence:
        if len(self) > _SHARED_LIMIT:
            self.clear()
        negative, term, field, count = key[-4:]  # relevance evidence has the side's rank first
        weight = int(-negative * 1000 + 0.5) / 1000  # weights are never negative
        found = self[key] = Evidence(term=term, field=FIELDS[field], count=count, weight=weight)
        return found


_SHARED_LIMIT = 100_000
_EVIDENCE = _SharedEvidence()
#: (-weight, term, field, count) -> the one Evidence with those values
shared_evidence = _EVIDENCE.__getitem__
_REF, _KEY, _TERM_FIELD = itemgetter(0), attrgetter("key"), itemgetter(0, 1)


class _SharedEntities(dict[tuple[int, tuple[str, str]], Entity]):
    """(-mentions, (name, kind)) -> the Entity, shared like the evidence; the keys sort in the
    order entities are listed."""

    def __missing__(self, key: tuple[int, tuple[str, str]]) -> Entity:
        if len(self) > _SHARED_LIMIT:
            self.clear()
        negative, (name, kind) = key
        found = self[key] = Entity(name=name, kind=kind, mentions=-negative)
        return found


_ENTITIES = _SharedEntities()


def _saturate(value: float, scale: float) -> float:
    return 1.0 - math.exp(-value / scale)


def _names(weights: dict[str, float], limit: int = 2) -> str:
    ranked = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return ", ".join(name for name, _ in ranked)


def _listed_sentences(eu_mentions: list[Mention], partners: dict[int, set[str]]) -> set[int]:
    """Sentences that name two or more other foreign partners and fewer EU-side ones: a list in
    which the EU side is one bidder or trade partner among others. Where the EU side is as many,
    or two states or more (Eni and TotalEnergies with Shell, ExxonMobil, CNPC and Inpex in one
    consortium), it is not lost in the list."""
    eu_in: dict[int, set[str]] = defaultdict(set)
    for ref, _, sentence, _ in eu_mentions:
        if not ref.generic and len(partners.get(sentence, ())) >= 2:
            eu_in[sentence].add(ref.group)
    return {
        sentence
        for sentence, groups in eu_in.items()
        if len(groups) < min(CONSORTIUM_GROUPS, len(partners[sentence]))
    }


def score_relevance(
    mentions: list[Mention], threshold: float, holders: frozenset[int] | set[int] = frozenset()
) -> Relevance:
    """Decide whether the document is about Kazakhstan working with the EU side. ``holders`` are
    the sentences that name shareholders or stakes: a list of partners there is a consortium's
    owners, not of bidders."""
    kz = eu = generic = eu_listed = link = 0.0
    rivals: dict[str, dict[str, float]] = {"eu": defaultdict(float), "kz": defaultdict(float)}
    partners: dict[int, set[str]] = defaultdict(set)  # sentence -> other partners named in it
    kz_units: dict[int, int] = {}  # unit -> best field with a KZ-side name
    # (entity, field) -> [mentions, weight]; gives the evidence and the entity list
    slots: dict[tuple[EntityRef, int], list[float]] = {}
    eu_mentions: list[Mention] = []
    for mention in mentions:
        ref, field, sentence, unit = mention
        side = ref.side
        if side == "eu":
            eu_mentions.append(mention)  # weighed below, once lists and links are known
            continue
        weight = ref.weights[field]
        if side == "kz":
            kz += weight
            if kz_units.get(unit, 3) > field:
                kz_units[unit] = field
        elif side == "other":
            rivals[ref.competes][ref.group] += weight
            if ref.competes == "eu":
                partners[sentence].add(ref.group)
        slot = slots.get((ref, field))
        if slot is None:
            slots[(ref, field)] = [1, weight]
        else:
            slot[0] += 1
            slot[1] += weight

    listed = _listed_sentences(eu_mentions, partners) - holders
    # a company named in such a list is a bidder or rival wherever the article names it again (not
    # an EU institution: the EU named among a centre's founders or a bank's donors, then on its own)
    listed_orgs = {
        ref.name
        for ref, _, sentence, _ in eu_mentions
        if sentence in listed and ref.kind == "org" and ref.weight < COMPANY_WEIGHT
    }
    linked: set[int] = set()
    generic_link = 0.0
    eu_groups: dict[str, float] = defaultdict(float)
    for ref, field, sentence, unit in eu_mentions:
        weight = ref.weights[field]
        if ref.generic:
            weight = min(weight, max(0.0, GENERIC_CAP - generic))
            generic += weight
            if weight and unit in kz_units:  # "Green power for Europe: Kazakhstan plans..."
                generic_link = max(generic_link, ref.entry.weight * FIELD_WEIGHTS[min(field, kz_units[unit])])
        elif sentence in listed:  # one name in a list of foreign partners
            weight *= LIST_DISCOUNT
            eu_listed += weight
        else:
            if ref.name in listed_orgs:
                weight *= LISTED_ELSEWHERE
            eu_groups[ref.group] += weight
            if unit in kz_units and unit not in linked:
                linked.add(unit)
                link += FIELD_WEIGHTS[min(field, kz_units[unit])]
        eu += weight
        slot = slots.get((ref, field))
        if slot is None:
            slots[(ref, field)] = [1, weight]
        else:
            slot[0] += 1
            slot[1] += weight

    link += generic_link
    s_kz, s_eu, s_link = _saturate(kz, SIDE_SCALE), _saturate(eu, SIDE_SCALE), _saturate(link, LINK_SCALE)
    # another Central Asian state in Kazakhstan's place, or China/Russia/... in the EU's place
    kz_rivals, eu_rivals = sum(rivals["kz"].values()), sum(rivals["eu"].values())
    focus_kz = kz / (kz + RIVAL_FACTOR["kz"] * kz_rivals) if kz else 0.0
    focus_eu = eu / (eu + RIVAL_FACTOR["eu"] * eu_rivals) if eu else 0.0
    score = (
        math.sqrt(s_kz * s_eu)
        * (0.5 + 0.5 * s_link)
        * min(1.0, FOCUS_FLOOR + focus_kz)
        * min(1.0, FOCUS_FLOOR + focus_eu)
    )
    score = round(score, 4)
    relevant = score >= threshold
    reason = _reason(
        relevant=relevant,
        score=score,
        threshold=threshold,
        kz=kz,
        eu=eu,
        eu_named=_names(eu_groups, 3) or ("Europe" if generic else ""),
        eu_listed=eu_listed,
        eu_groups=eu_groups,
        rivals=rivals,
        focus_kz=focus_kz,
        focus_eu=focus_eu,
    )
    # evidence: the KZ side and the EU side (other partners are named in the reason)
    ranked = sorted(
        [
            (ref.side_order, -weight, ref.term, field, int(count))
            for (ref, field), (count, weight) in slots.items()
            if ref.side_order < 2
        ]
    )
    # every entity found, by name and kind, counted in C, most mentioned first
    found = Counter(map(_KEY, map(_REF, mentions)))
    return Relevance(
        relevant=relevant,
        score=score,
        evidence=tuple(map(_EVIDENCE.__getitem__, ranked)),
        entities=tuple(map(_ENTITIES.__getitem__, sorted(zip(map(neg, found.values()), found, strict=True)))),
        reason=reason,
    )


def _reason(
    *,
    relevant: bool,
    score: float,
    threshold: float,
    kz: float,
    eu: float,
    eu_named: str,
    eu_listed: float,
    eu_groups: dict[str, float],
    rivals: dict[str, dict[str, float]],
    focus_kz: float,
    focus_eu: float,
) -> str:
    """One line a person can read: why the document is (not) relevant."""
    if relevant:
        return f"relevant: Kazakhstan with {eu_named} (score {score:.2f})"
    if kz == 0 and eu == 0:
        others = _names({**rivals["eu"], **rivals["kz"]})
        return "not relevant: no Kazakhstan or EU side" + (f" (mentions {others})" if others else "")
    if kz == 0:
        others = _names(rivals["kz"])
        if others:
            return f"not relevant: {eu_named} with {others}, no Kazakhstan side"
        return f"not relevant: {eu_named} only, no Kazakhstan side"
    if not eu_groups and not eu_listed:
        others = _names(rivals["eu"])
        side = "only Europe in general" if eu else "no EU side"
        return (
            f"not relevant: Kazakhstan with {others} only, {side}"
            if others
            else f"not relevant: Kazakhstan, {side}"
        )
    if not eu_groups:
        return f"not relevant: EU side only in a list alongside {_names(rivals['eu'])}"
    if focus_kz < 1 - FOCUS_FLOOR:
        return f"not relevant: mainly {_names(rivals['kz'])} with {eu_named}; Kazakhstan only in passing"
    if focus_eu < 1 - FOCUS_FLOOR:
        return f"not relevant: mainly Kazakhstan with {_names(rivals['eu'])}; {eu_named} only in passing"
    return (
        f"not relevant: Kazakhstan and {eu_named} only loosely linked (score {score:.2f} < {threshold:.2f})"
    )
