"""Finding the stories a report can join (``kzfeed.stories._events.EventIndex``'s hot loop): the
candidates from the postings of the report's rare features, bounds of their similarity that set
most of them and their stories aside without looking at them, and the similarity of those left,
each to the last bit as comparing every candidate in full would give it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta
from itertools import repeat
from operator import add, mul

from kzfeed.stories._signals import Signals

__all__ = ["EVENT_WINDOW", "PAIR_THRESHOLD", "STORY_THRESHOLD", "BoundedMatching"]

#: reports of one event are published within this time of each other
EVENT_WINDOW = timedelta(days=3)
#: the least similarity of a report to its closest report of a story it joins
PAIR_THRESHOLD = 0.45
#: the least mean similarity of a report to the reports of a story it joins
STORY_THRESHOLD = 0.3
#: features in more than this share of the indexed reports do not select candidates
_COMMON = 0.05
_MIN_COMMON = 30
#: the days (from a report's day) whose reports are all published within ``EVENT_WINDOW`` of it:
#: two instants of days ``d`` apart are less than ``d + 1`` days apart
_INSIDE = (-(EVENT_WINDOW.days - 1), EVENT_WINDOW.days - 1)
#: the thresholds a story's bounds must reach for its reports to be scored (a hair lower: a bound
#: and the similarity it bounds are rounded apart)
_PAIR_BOUND = PAIR_THRESHOLD * (1 - 1e-9)
_STORY_BOUND = STORY_THRESHOLD * (1 - 1e-9)


class _Rarity(dict[str, float]):
    """The rarity (:meth:`EventIndex.idf`) of features in ``index`` as it is now, worked out for
    each feature when first asked for."""

    __slots__ = ("_index", "_top")

    def __init__(self, index: BoundedMatching) -> None:
        super().__init__()
        self._index = index
        self._top = index._reports_counted + 2

    def __missing__(self, feature: str) -> float:
        index = self._index
        found = index._df.get(feature)
        if found is None:
            found = index._count(feature)
        value = self[feature] = math.log(self._top / (found + 1)) + 1.0
        return value


#: a report's features weighted by rarity, the norm of that vector, and the rarity of features
_Vector = tuple[list[tuple[str, float]], float, _Rarity]


class BoundedMatching:
    """What ``EventIndex`` finds candidates and scores them with (its reports, stories, counts
    and postings)."""

    _ids: list[str]
    _stories: list[str]
    _signals: list[Signals]
    _df: defaultdict[str, int]

    @property
    def _reports_counted(self) -> int:
        """How many reports rarity is counted over."""
        raise NotImplementedError

    def _count(self, feature: str) -> int:
        raise NotImplementedError

    def _posted(self, feature: str) -> dict[int, list[int]] | None:
        raise NotImplementedError

    def _members_in_window(self, story: str, signals: Signals) -> int:
        raise NotImplementedError

    def _candidates(self, signals: Signals) -> set[int]:
        """The reports published within ``EVENT_WINDOW`` of ``signals`` that share one of its
        features that are not common; the order of the set is the order they are compared in."""
        return self._gathered(signals, dict.fromkeys(signals.features, 0.0), math.inf)[0]

    def _gathered(
        self, signals: Signals, squares: dict[str, float], least: float
    ) -> tuple[set[int], set[int], dict[int, float], float]:
        """:meth:`_candidates`; those of them that may share ``least`` of ``squares`` (by
        feature of ``signals``) and the sum of the squares of the features each of the others
        shares, both from the postings of the features that are not common, without looking at
        the candidates; and the sum of the squares of the common ones (a candidate may share
        them). A candidate that shares a feature whose square reaches ``least`` less that of
        the common ones is one that may."""
        assert signals.published is not None
        limit = max(_MIN_COMMON, _COMMON * self._reports_counted)
        rare, common = [], 0.0
        for feature in signals.features:
            count = self._df.get(feature)
            if count is None:
                count = self._count(feature)
            if count > limit:
                common += squares[feature]
            else:
                rare.append(feature)
        day = signals.day
        assert day is not None
        days = range(day - EVENT_WINDOW.days - 1, day + EVENT_WINDOW.days + 2)
        found: set[int] = set()
        may: set[int] = set()
        light: dict[int, float] = {}
        published, reports, get = signals.published, self._signals, light.get
        for feature in rare:
            if (by_day := self._posted(feature)) is None:  # (no report dated has it)
                continue
            square, heavy = squares[feature], squares[feature] >= least - common
            for d in days:
                posted = by_day.get(d)
                if not posted:
                    continue
                if _INSIDE[0] <= d - day <= _INSIDE[1]:  # every report of these days is in the window
                    found.update(posted)
                    if heavy:
                        may.update(posted)
                    else:  # (each one's sum, in C)
                        light.update(
                            zip(posted, map(add, map(get, posted, repeat(0.0)), repeat(square)), strict=True)
                        )
                    continue
                for n in posted:
                    other = reports[n].published
                    if other is not None and abs(other - published) <= EVENT_WINDOW:
                        found.add(n)
                        if heavy:
                            may.add(n)
                        else:
                            light[n] = get(n, 0.0) + square
        return found, may, light, common

    def _bounded(
        self, signals: Signals, mine: list[tuple[str, float]], norm: float, idf: dict[str, float]
    ) -> list[tuple[str, list[tuple[int, float]]]]:
        """The stories that can match, each with its candidates in the order they are compared
        (that of :meth:`_candidates`), each with a bound no lower than its similarity (0: none);
        a story none of whose candidates' bounds reaches ``_PAIR_BOUND`` cannot match, and is
        left out.

        Cauchy–Schwarz bounds the similarity by ``|mine shared| / |mine|`` whatever theirs:
        the weight of ``mine`` a candidate shares, at most that of the features that found it
        plus all of the common ones, is known from the postings alone, without looking at the
        candidate (the run's hot loop: every candidate of every new report, each a dictionary
        elsewhere in memory). That sets most aside, and their stories with them. The others
        are bounded more tightly: the similarity is ``dot / (norm * |theirs|)``, where
        ``|theirs|`` needs the rarity of every feature of theirs. Every rarity is above 1 (no
        feature is in more reports than there are), so ``|theirs|`` is at least that of the
        shared features weighted by rarity and the others by their weight alone
        (``Signals.weight``)."""
        kinds, reports, stories, sqrt = signals.kinds, self._signals, self._stories, math.sqrt
        squares, least = {f: w * w for f, w in mine}, (_PAIR_BOUND * norm) ** 2
        found, may, light, common = self._gathered(signals, squares, least)
        may.update([n for n, mass in light.items() if mass >= least - common])
        mine_keys, weighted = signals.features.keys(), dict(mine)
        bounds: dict[int, float] = {}  # those bounded more tightly
        hopeful: dict[str, None] = {}
        for n in may:
            other = reports[n]
            bound = 0.0
            if not (kinds and other.kinds and not kinds & other.kinds):  # signals.conflicts(other)
                theirs = other.features
                dot = by_rarity = by_weight = 0.0
                for f in mine_keys & theirs.keys():
                    t = theirs[f]
                    b = t * idf[f]
                    dot += weighted[f] * b
                    by_rarity += b * b
                    by_weight += t * t
                if dot:
                    bound = dot / (norm * sqrt(by_rarity + max(0.0, other.weight - by_weight)))
                    if bound >= _PAIR_BOUND:
                        hopeful[stories[n]] = None
            bounds[n] = bound
        if not hopeful:
            return []
        bounded: dict[str, list[tuple[int, float]]] = {story: [] for story in hopeful}
        for n in found:  # (the others bounded by the weight they may share)
            if (story := stories[n]) in bounded:
                if n in bounds:
                    bounded[story].append((n, bounds[n]))
                elif kinds and (theirs_kinds := reports[n].kinds) and not kinds & theirs_kinds:
                    bounded[story].append((n, 0.0))
                else:
                    bounded[story].append((n, sqrt(light[n] + common) / norm))
        return list(bounded.items())

    def _story_scores(
        self, signals: Signals, story: str, found: list[tuple[int, float]], vector: _Vector
    ) -> tuple[list[tuple[float, int]], int] | None:
        """The similarity of ``signals`` to each of ``found`` (a story's candidates with their
        bounds, see :meth:`_bounded`), in that order, and how many reports of the story are in
        the window; None when the bounds show that the story cannot match: then only the
        candidates whose bounds reach the threshold are scored, the likeliest first, until one
        of them does."""
        exact: dict[int, float] = {}
        for i in sorted(range(len(found)), key=lambda i: -found[i][1]):
            n, bound = found[i]
            if bound < _PAIR_BOUND:
                return None
            exact[i] = score = self._score(signals, n, *vector)
            if score >= PAIR_THRESHOLD:
                break
        else:
            return None
        members = self._members_in_window(story, signals)
        if sum([exact.get(i, b) for i, (_, b) in enumerate(found)]) / max(members, len(found)) < _STORY_BOUND:
            return None
        scores = [
            (exact[i] if i in exact else self._score(signals, n, *vector) if b else 0.0, n)
            for i, (n, b) in enumerate(found)
        ]
        return scores, members

    def _score(
        self, signals: Signals, n: int, mine: list[tuple[str, float]], norm: float, idf: _Rarity
    ) -> float:
        """The similarity of ``signals`` (weighted by rarity: ``mine``, of ``norm``) and report
        ``n``: that of :meth:`similarity`, to the last bit (the same products summed in the
        same order, without making the vectors)."""
        other = self._signals[n]
        if signals.conflicts(other):
            return 0.0
        theirs = other.features
        dot = sum([w * (theirs[f] * idf[f]) for f, w in mine if f in theirs])
        if not dot:
            return 0.0
        # w * idf[f], in C (the rarities ``idf`` lacks worked out as it is asked for them)
        weighted = list(map(mul, theirs.values(), map(idf.__getitem__, theirs)))
        return dot / (norm * math.sqrt(sum(map(mul, weighted, weighted))))
