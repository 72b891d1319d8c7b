"""Topic scores: which topics a document develops, not merely mentions.

A topic's terms are weighed by where they stand (title 3, lead 2, body 1) and, in the body, by
paragraph: one paragraph counts at most ``PARAGRAPH_CAP``, and the body counts fully only when the
topic is developed in a good share of its paragraphs. Topics far weaker than the strongest one are
passing mentions. docs/classifier.md explains the rules; ``kzfeed eval`` measures them.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from kzfeed.classify._scoring import Hit, shared_evidence
from kzfeed.models import Evidence, TopicTag

__all__ = ["TAGGED", "TOPIC_NOTE", "Layout", "TopicNote", "score_topics"]

#: raw weight at which a topic's score is 0.5 (score = 1 - 2^(-raw/TOPIC_SCALE))
TOPIC_SCALE = 2.75
#: terms of three or more topics in one run, a few words apart ("cooperation in energy,
#: transport and education"), are a passing list: each is worth this much
TOPIC_LIST_DISCOUNT = 0.35
TOPIC_LIST_MIN = 3
#: the most words between two terms of one run
TOPIC_LIST_GAP = 3
#: the most one body paragraph adds to a topic, however often it names it
PARAGRAPH_CAP = 1.5
#: a body paragraph develops a topic when its terms weigh this much there (two terms, or one twice)
PARAGRAPH_DEVELOPS = 1.5
#: the share of the body's paragraphs a topic must develop for the body to count fully; below it
#: the body counts from BODY_FLOOR up
SPREAD_FULL = 0.5
BODY_FLOOR = 0.6
#: a topic weaker than this share of the strongest topic is a passing mention, unless the headline
#: and the lead name it and a body paragraph develops it, or it is developed across the body
RELATIVE_FLOOR = 0.35
#: developed across the body: in at least this many body paragraphs and this share of them (the
#: investment told in two of four paragraphs of an article whose every paragraph is about oil)
SPREAD_MIN_PARAGRAPHS = 2
SPREAD_MIN_SHARE = 0.5
#: a paragraph of its own: a body paragraph where a topic outweighs every other topic and weighs
#: twice what develops a topic. A topic given one, and developed in at least one more paragraph or
#: named in the lead, is a second main topic however much weaker than the main one (the EU's energy
#: programme told in two paragraphs of an article about its transport corridor; the politics of a
#: visit announced in the lead and given a paragraph of an article about an energy memorandum): a
#: paragraph of its own is a section of the article, not a sentence that passes by
OWN_PARAGRAPH = 2 * PARAGRAPH_DEVELOPS
OWN_MIN_PARAGRAPHS = 2
#: a second topic that no body paragraph develops and the body names in one sentence only is
#: mentioned in passing, however loudly the headline or the lead names it, in an article with at
#: least this many body paragraphs (in a shorter one, a sentence is a good part of the body)
PASSING_SENTENCE_BODY = 3
#: in a short report (no body paragraph) the lead is the whole story: its terms weigh this much more
LEAD_ALONE = 1.5
#: the least a context (sport) must weigh to put an item off the beat: one term in the lead
CONTEXT_MIN = 2.0
#: a body paragraph shorter than this (in words and marks) is furniture, not a paragraph
PARAGRAPH_MIN_TOKENS = 12
#: a short report is about a second topic as well as its main one when its headline and its lead
#: both name it by terms of its own (readmission in a report about visas for students); about trade
#: and investment also when they name it in general company words: a company's deal (an agreement
#: to build, a supply contract) is the event of the report; not when the main topic is raw
#: materials, where the company words mostly tell an exploration licence or an offer of deposits
#: (the labelling rule in tests/data/classifier/README.md)
SECOND_IN_SHORT = "trade_investment"
NOT_SECOND_IN_SHORT_AFTER = "raw_materials"
#: a term of this weight or less is generic (the weak terms: *training*, *visit*, *companies*): in a
#: short report, a topic named only in such words is not tagged beside one named in its own terms
#: (an EU course that trains judges is about the judiciary, not about education)
GENERIC_WEIGHT = 0.5
#: the most topics tagged
MAX_TAGS = 4
#: an article none of whose topics reaches the threshold still gets its strongest one when that
#: topic's score is at least this and the headline, the lead or a body paragraph develops it
MAIN_FLOOR = 0.3
#: Classification.evidence entries about topics start with this (``topic:energy``)
TOPIC_NOTE = "topic:"
#: the verdicts of a topic note that mean tagged
TAGGED = ("about", "main", "spread", "own")

_TERM_FIELD_UNIT = itemgetter(0, 1, 5)


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the paragraphs are: positions of line breaks, the end of the lead, the token count."""

    newlines: Sequence[int]
    lead_end: int
    size: int

    def body_paragraphs(self) -> int:
        """How many body paragraphs are long enough to be paragraphs."""
        return len(self.body_units()[0])

    def body_units(self) -> tuple[list[int], frozenset[int]]:
        """The body's paragraphs, as hit units (the line breaks before them), and its furniture:
        lines too short to be paragraphs ("Tags: ...", "Photo: ...", "Read also: ...")."""
        paragraphs: list[int] = []
        furniture: list[int] = []
        previous = -1
        for unit, position in enumerate((*self.newlines, self.size)):
            start = previous + 1
            if start >= self.lead_end and position > start:
                (paragraphs if position - start >= PARAGRAPH_MIN_TOKENS else furniture).append(unit)
            previous = position
        return paragraphs, frozenset(furniture)


@dataclass(frozen=True, slots=True)
class TopicNote:
    """Why a topic was or was not tagged, in figures: stored as one ``Evidence`` line."""

    topic: str
    #: ``about`` (tagged), ``spread`` (tagged: far weaker than the main topic but developed across
    #: the body), ``own`` (tagged: far weaker, or under the threshold, but given a paragraph of its
    #: own and developed in another), ``main`` (tagged: the strongest of topics none of which reaches the threshold),
    #: ``passing`` (only in the body, no paragraph develops it), ``sentence`` (a second topic the
    #: body names in one sentence, developed nowhere), ``list`` (in a list of topics), ``weaker``
    #: (far weaker than the main topic), ``low`` (too few mentions), ``cut`` (more topics than are
    #: tagged), ``generic`` (in a short report, named only in generic words beside a topic named in
    #: its own), ``context`` (a context such as sport outweighs every topic)
    verdict: str
    #: the body paragraphs developing it, of how many
    paragraphs: int
    body: int
    #: named in the title, the lead
    title: bool
    lead: bool
    score: float
    #: for ``sentence``: the body paragraph (1 = the first after the lead) of that one sentence
    paragraph: int = 0

    def evidence(self) -> Evidence:
        where = ("t" if self.title else "") + ("l" if self.lead else "")
        at = f":{self.paragraph}" if self.paragraph else ""
        return Evidence(
            term=f"{TOPIC_NOTE}{self.topic}:{self.verdict}:{where}:{self.paragraphs}/{self.body}{at}",
            field="body",
            count=self.paragraphs,
            weight=self.score,
        )


def _listed_hits(hits: list[Hit]) -> set[int]:
    """Indexes of hits that sit in a passing list of topics (``hits`` are in text order)."""
    listed: set[int] = set()
    run_start, topics = 0, set[str]()
    last_sentence, last_end = -1, -(10**9)
    for i, (ref, field, sentence, start, end, _unit) in enumerate(hits):
        if not field:  # a headline names what the article is about, even as a list
            continue
        if sentence != last_sentence or start - last_end > TOPIC_LIST_GAP:
            if len(topics) >= TOPIC_LIST_MIN:
                listed.update(range(run_start, i))
            run_start, topics = i, set()
        topics.add(ref.topic)
        last_sentence, last_end = sentence, end
    if len(topics) >= TOPIC_LIST_MIN:
        listed.update(range(run_start, len(hits)))
    return listed


def _harmonic(count: int) -> float:
    """1 + 1/2 + ... + 1/count: each further mention of a term in the same place adds less."""
    return _HARMONIC[count] if count < len(_HARMONIC) else math.log(count) + 0.5772156649 + 0.5 / count


_HARMONIC = [0.0]
for _n in range(1, 64):
    _HARMONIC.append(_HARMONIC[-1] + 1 / _n)


class _Tally:
    __slots__ = (
        "developed", "head", "lead", "lead_value", "listed", "own", "paragraphs", "sentences", "specific", "title",
        "up_front",
    )  # fmt: skip

    def __init__(self) -> None:
        self.head = self.lead_value = 0.0
        self.title = self.lead = False
        #: named by a term of its own, not only by generic (weak) words
        self.specific = False
        #: fields (0 title, 1 lead) that name it by a term of its own
        self.up_front: set[int] = set()
        self.paragraphs: dict[int, float] = defaultdict(float)
        self.listed = 0.0
        #: body sentence -> its paragraph (furniture lines are not the article's sentences)
        self.sentences: dict[int, int] = {}
        #: body paragraphs developing the topic
        self.developed = 0
        #: body paragraphs of its own (OWN_PARAGRAPH)
        self.own = 0


#: (topic, term, field) -> [count, weight]: the evidence lines
_Lines = dict[tuple[str, str, int], list[float]]


def _weigh(hits: list[Hit], furniture: frozenset[int]) -> tuple[dict[str, _Tally], _Lines]:
    """Each topic's weight by field and body paragraph, and the evidence lines."""
    # how often each term occurs in each field and paragraph, and how often in a passing list
    counts: Counter[tuple[object, int, int]] = Counter(map(_TERM_FIELD_UNIT, hits))
    listed = _listed_hits(hits)
    in_lists = Counter(map(_TERM_FIELD_UNIT, map(hits.__getitem__, listed))) if listed else {}
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    lines: _Lines = {}
    for key, count in counts.items():
        ref, field, unit = key
        weight = ref.weights[field]  # type: ignore[attr-defined]
        in_list = in_lists.get(key, 0)
        value = weight * (_harmonic(count - in_list) + _harmonic(in_list) * TOPIC_LIST_DISCOUNT)
        tally = tallies[ref.topic]  # type: ignore[attr-defined]
        if ref.weight > GENERIC_WEIGHT:  # type: ignore[attr-defined]
            tally.specific = True
            if field < 2:
                tally.up_front.add(field)
        if field == 2:
            tally.paragraphs[unit] += value
        else:
            tally.head += value
            tally.title = tally.title or field == 0
            if field == 1:
                tally.lead = True
                tally.lead_value += value
        if in_list == count:
            tally.listed += value
        line = lines.setdefault((ref.topic, ref.term, field), [0, 0.0])  # type: ignore[attr-defined]
        line[0] += count
        line[1] += value
    for ref, field, sentence, _start, _end, unit in hits:
        if field == 2 and unit not in furniture:
            tallies[ref.topic].sentences[sentence] = unit
    return tallies, lines


@dataclass(frozen=True, slots=True)
class _Body:
    """What the verdicts read of the whole article."""

    #: the body paragraphs (hit units); none in a short report
    units: list[int]
    #: the raw weight of the strongest topic, and its name
    strongest: float
    main: str
    threshold: float
    #: a short report names some topic that reaches the threshold in its own terms
    specific: bool = False

    @property
    def count(self) -> int:
        return max(1, len(self.units))


def _verdict(
    topic: str, tally: _Tally, value: float, score: float, body: _Body, tagged: int
) -> tuple[str, int]:
    """Whether the article is about ``topic`` (see TopicNote.verdict), and for ``sentence`` the
    body paragraph of that sentence."""
    developed = tally.developed
    # a section of the article: a paragraph of its own, and another developing it or the lead naming it
    section = bool(tally.own) and (developed >= OWN_MIN_PARAGRAPHS or tally.lead)
    if body.specific and not tally.specific and score >= body.threshold and topic != SECOND_IN_SHORT:
        return "generic", 0
    if score < body.threshold:
        if tally.listed >= 0.5 * value and not section:
            return "list", 0
        if not tally.head and not developed:
            return "passing", 0
        if not tagged and value == body.strongest and score >= MAIN_FLOOR:
            return "main", 0  # a relevant article is about something: its strongest topic
        if section:
            return ("cut" if tagged >= MAX_TAGS else "own"), 0
        return "low", 0
    verdict = "about"
    if value < RELATIVE_FLOOR * body.strongest:
        # far weaker than the main topic: still what the article is about when the headline and
        # the lead announce it and the body develops it (a short report has no body: there the
        # headline and the lead are the story), or when the body develops it across its paragraphs
        short = not body.units
        # in a short report: named in both by terms of its own (readmission beside visas), or trade
        announced = short and (
            len(tally.up_front) == 2 or (topic == SECOND_IN_SHORT and body.main != NOT_SECOND_IN_SHORT_AFTER)
        )
        if tally.title and tally.lead and (developed or announced):
            pass
        elif developed >= max(SPREAD_MIN_PARAGRAPHS, SPREAD_MIN_SHARE * body.count):
            verdict = "spread"
        elif section:
            verdict = "own"
        else:
            return "weaker", 0
    elif tagged and len(body.units) >= PASSING_SENTENCE_BODY and not developed and len(tally.sentences) == 1:
        # a second topic the headline or the lead names, but the body in one sentence only
        return "sentence", body.units.index(next(iter(tally.sentences.values()))) + 1
    return ("cut" if tagged >= MAX_TAGS else verdict), 0


def _own_paragraphs(tallies: dict[str, _Tally], units: list[int], contexts: frozenset[str]) -> None:
    """Count each topic's paragraphs of its own: where it weighs OWN_PARAGRAPH and more than any
    other topic (or context)."""
    for unit in units:
        best, second, leader = 0.0, 0.0, None
        for topic, tally in tallies.items():
            value = tally.paragraphs.get(unit, 0.0)
            if value > best:
                best, second, leader = value, best, topic
            elif value > second:
                second = value
        if leader is not None and leader not in contexts and best >= OWN_PARAGRAPH and best > second:
            tallies[leader].own += 1


def _score(raw: float) -> float:
    """A topic's score in 0..1 from its raw weight."""
    return round(1.0 - math.pow(2.0, -raw / TOPIC_SCALE), 4)


def score_topics(
    hits: list[Hit], topic_threshold: float, layout: Layout, contexts: frozenset[str] = frozenset()
) -> tuple[tuple[TopicTag, ...], tuple[Evidence, ...], str | None]:
    """Tag the topics the document develops (``hits`` in text order): the tags, best first, one
    note per topic found saying why it was or was not tagged, and the context (``sport``) that
    outweighs every topic, if one does."""
    if not hits:
        return (), (), None
    units, furniture = layout.body_units()
    tallies, lines = _weigh(hits, furniture)
    body_count = max(1, len(units))
    lead_factor = 1.0 if units else LEAD_ALONE
    raw: dict[str, float] = {}
    for topic, tally in tallies.items():
        values = tally.paragraphs.values()
        body = sum(min(v, PARAGRAPH_CAP) for v in values)
        # a furniture line ("Tags: oil, Eni") is no paragraph, and develops nothing
        tally.developed = sum(
            v >= PARAGRAPH_DEVELOPS for u, v in tally.paragraphs.items() if u not in furniture
        )
        spread = min(1.0, tally.developed / body_count / SPREAD_FULL)
        head = tally.head + (lead_factor - 1.0) * tally.lead_value
        raw[topic] = head + body * (BODY_FLOOR + (1.0 - BODY_FLOOR) * spread)
    _own_paragraphs(tallies, units, contexts)
    strongest = max((v for t, v in raw.items() if t not in contexts), default=0.0)
    ranked = sorted(raw, key=lambda t: (-raw[t], t))
    # in a short report, generic words alone do not make a topic beside one named in its own terms
    specific = not units and any(
        tallies[t].specific and _score(raw[t]) >= topic_threshold for t in raw if t not in contexts
    )
    article = _Body(units, strongest, ranked[0], topic_threshold, specific)
    tags: list[TopicTag] = []
    notes: list[Evidence] = []
    context = None
    for topic in ranked:
        tally, value = tallies[topic], raw[topic]
        score = _score(value)
        if topic in contexts:
            if context is None and value >= CONTEXT_MIN and value > strongest:
                context = topic
                notes.append(TopicNote(topic, "context", tally.developed, body_count, tally.title,
                                       tally.lead, score).evidence())  # fmt: skip
            continue
        verdict, paragraph = _verdict(topic, tally, value, score, article, len(tags))
        note = TopicNote(
            topic, verdict, tally.developed, body_count, tally.title, tally.lead, score, paragraph
        )
        notes.append(note.evidence())
        if verdict in TAGGED:
            evidence = sorted(
                (-w, term, field, int(n)) for (t, term, field), (n, w) in lines.items() if t == topic
            )
            tags.append(TopicTag(topic=topic, score=score, evidence=tuple(map(shared_evidence, evidence))))
    return tuple(tags), tuple(notes), context
