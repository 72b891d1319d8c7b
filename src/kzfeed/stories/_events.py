"""Reports of one event in any language: candidates from a time window and an inverted index of
rare features, compared by the weighted cosine of their language-independent signals.

A report joins a story when it is published within ``EVENT_WINDOW`` of the story's reports, is
similar to one of them by at least ``PAIR_THRESHOLD`` and to the story as a whole (the mean over
its reports in the window) by at least ``STORY_THRESHOLD``. Features are weighted by kind
(``kzfeed.stories._signals.WEIGHTS``) and by rarity among the reports indexed (inverse document
frequency): "Kazakhstan" says little, "Oreshnik" or "81.31" a lot. The thresholds come from
``tests/data/stories/labelled/dev.jsonl`` (see docs/feeds.md for the figures).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kzfeed.stories._bounds import (
    EVENT_WINDOW,
    PAIR_THRESHOLD,
    STORY_THRESHOLD,
    BoundedMatching,
    _Rarity,
)
from kzfeed.stories._signals import Signals
from kzfeed.stories._stored import StoredReports, Window, microseconds

__all__ = ["EVENT_WINDOW", "PAIR_THRESHOLD", "STORY_THRESHOLD", "EventIndex", "EventMatch", "FeatureCounts"]


@dataclass(frozen=True, slots=True, kw_only=True)
class EventMatch:
    """Why a report was put in a story: the closest report, the similarity, what they share."""

    story: str
    item_id: str
    score: float
    mean: float
    shared: tuple[str, ...]


@dataclass(slots=True)
class FeatureCounts:
    """How many reports were indexed, and how many have each feature: what rarity is counted
    over. An index makes its own; one kept across indexes (``kzfeed stories --rebuild``, one
    index per batch) counts every report added as new, not the stored ones read back."""

    reports: int = 0
    df: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))


class EventIndex(BoundedMatching):
    """Reports with their signals, searchable by rare feature within a time window."""

    def __init__(self, counts: FeatureCounts | None = None) -> None:
        self._ids: list[str] = []
        self._stories: list[str] = []
        self._signals: list[Signals] = []
        #: counted over this index's reports, or over those of ``counts`` when given
        self._counts = counts if counts is not None else FeatureCounts()
        self._shared = counts is not None
        self._df = self._counts.df
        #: feature -> day of publication -> reports (reports without a date are not listed)
        self._postings: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
        self._members: dict[str, list[int]] = defaultdict(list)
        #: item id -> where its signals are (the last added)
        self._at: dict[str, int] = {}
        #: a view (:meth:`viewing`): the run's stored reports, the windows viewed, where each
        #: viewed report is, and the reports added since by feature (a feature's postings are
        #: made, and its reports counted in ``_df``, when first asked for)
        self._stored: StoredReports | None = None
        self._windows: Sequence[tuple[int, int]] = ()
        self._viewed: dict[str, int] = {}
        self._added: defaultdict[str, list[int]] = defaultdict(list)

    @classmethod
    def viewing(
        cls,
        stored: StoredReports,
        windows: Sequence[Window],
        ids: list[str],
        stories: list[str],
        reports: list[Signals],
    ) -> EventIndex:
        """An index of the reports ``ids`` (of ``stories``, with the signals ``reports``; each
        kept in ``stored`` and published within ``windows``, every report of ``stored`` so
        published, in order) as :meth:`add` would make it, without indexing their features:
        the postings of a feature are made when a report asks for it, and its rarity is counted
        in ``stored``. The lists become the index's."""
        index = cls()
        index._stored = stored
        index._windows = [(microseconds(since), microseconds(until)) for since, until in windows]
        index._ids, index._stories, index._signals = ids, stories, reports
        index._at = {item_id: n for n, item_id in enumerate(ids)}
        index._viewed = dict(index._at)
        members = index._members
        for n, story in enumerate(stories):
            members[story].append(n)
        index._counts.reports = len(ids)
        return index

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def _reports_counted(self) -> int:
        return self._counts.reports

    def add(self, item_id: str, story: str, signals: Signals, *, counted: bool = False) -> None:
        """Index a report; with shared counts, it is counted only when ``counted`` (a new one)."""
        n = self._at[item_id] = len(self._ids)
        self._ids.append(item_id)
        self._stories.append(story)
        self._signals.append(signals)
        self._members[story].append(n)
        count = counted or not self._shared
        self._counts.reports += count
        features = signals.features
        if self._stored is not None:  # a view: counted and posted when asked for
            for feature in features:
                self._added[feature].append(n)
                if feature in self._df:
                    self._df[feature] += 1
                if feature in self._postings and signals.day is not None:
                    self._postings[feature][signals.day].append(n)
            return
        if count:
            df = self._df
            for feature in features:
                df[feature] += 1
        if (
            day := signals.day
        ) is not None:  # (the run's hot loop: every stored report of every source's window)
            postings = self._postings
            for feature in features:
                postings[feature][day].append(n)

    def signals_of(self, item_id: str) -> Signals | None:
        """The signals last added for ``item_id``, or None."""
        n = self._at.get(item_id)
        return None if n is None else self._signals[n]

    def idf(self, feature: str) -> float:
        found = self._df.get(feature)
        if found is None:
            found = self._count(feature)
        return math.log((self._counts.reports + 2) / (found + 1)) + 1.0

    def _idf_of(self, features: Iterable[str], idf: dict[str, float]) -> None:
        """Put in ``idf`` the :meth:`idf` of each of ``features`` it lacks (the same values, in
        one loop: every feature of every candidate of every report of a run comes here)."""
        df, top, log = self._df, self._counts.reports + 2, math.log
        missing = [f for f in features if f not in idf]
        if self._stored is not None and any(f not in df for f in missing):
            # a view: the reports viewed that have each feature, counted in the run's kept
            # reports at once (as :meth:`_count`), then kept up to date as reports are added
            added = self._added
            counted = self._stored.counts(self._windows, [f for f in missing if f not in df])
            for f, n in counted:
                df[f] = n + len(added.get(f, ()))
        for f in missing:
            idf[f] = log(top / (df.get(f, 0) + 1)) + 1.0

    def _count(self, feature: str) -> int:
        """How many reports of the index have ``feature`` (in a view: counted once in the run's
        stored reports, then kept up to date as reports are added)."""
        found = self._df.get(feature)
        if found is None:
            if self._stored is None:
                return 0
            found = self._df[feature] = self._stored.count(self._windows, feature) + len(
                self._added.get(feature, ())
            )
        return found

    def _posted(self, feature: str) -> dict[int, list[int]] | None:
        """The reports that have ``feature``, by day of publication, in the order added."""
        if self._stored is None or feature in self._postings:
            return self._postings.get(feature)
        viewed = self._viewed
        found = sorted(
            [viewed[i] for i in self._stored.holders_within(self._windows, feature) if i in viewed]
        )
        found += self._added.get(feature, ())
        if not found:
            return None
        by_day, reports = self._postings[feature], self._signals
        for n in found:
            if (day := reports[n].day) is not None:
                by_day[day].append(n)
        return by_day

    def _vector(self, signals: Signals) -> dict[str, float]:
        return {f: w * self.idf(f) for f, w in signals.features.items()}

    def similarity(self, a: Signals, b: Signals) -> float:
        """The weighted cosine of two reports' signals (0 to 1)."""
        if a.conflicts(b):
            return 0.0
        va = self._vector(a)
        return self._cosine(va, math.sqrt(sum(w * w for w in va.values())), self._vector(b))

    @staticmethod
    def _cosine(va: dict[str, float], norm_a: float, vb: dict[str, float]) -> float:
        dot = sum(w * vb[f] for f, w in va.items() if f in vb)
        if not dot:
            return 0.0
        return dot / (norm_a * math.sqrt(sum(w * w for w in vb.values())))

    def find(self, signals: Signals) -> EventMatch | None:
        """The story whose reports ``signals`` matches best, or None. Reports without a
        publication date are never matched this way."""
        found = self.find_all(signals)
        return found[0] if found else None

    def find_all(self, signals: Signals) -> list[EventMatch]:
        """Every story whose reports ``signals`` matches, the best (highest mean similarity)
        first: more than one when the report links stories that were apart until now."""
        if signals.published is None or not signals.features:
            return []
        idf = _Rarity(self)  # the same for every candidate: worked out once a feature
        self._idf_of(signals.features, idf)
        mine = [(f, w * idf[f]) for f, w in signals.features.items()]
        norm = math.sqrt(sum([w * w for _, w in mine]))
        matches = []
        for story, found in self._bounded(signals, mine, norm, idf):
            scored = self._story_scores(signals, story, found, (mine, norm, idf))
            if scored is None:
                continue
            scores, members = scored
            top, n = max(scores)
            if top < PAIR_THRESHOLD:
                continue
            mean = sum(score for score, _ in scores) / max(members, len(scores))
            if mean < STORY_THRESHOLD:
                continue
            # the rarest shared features first (``idf`` holds every feature of ``signals``)
            shared = tuple(sorted(signals.shared(self._signals[n]), key=idf.__getitem__, reverse=True))
            matches.append(EventMatch(story=story, item_id=self._ids[n], score=top, mean=mean, shared=shared))
        matches.sort(key=lambda m: (-m.mean, m.story))
        return matches

    def conflicting(self, story: str, other: str) -> bool:
        """Whether a report of ``story`` and one of ``other`` name kinds of event and none in
        common (a visit and a summit): such stories are never merged."""
        kinds = [self._signals[n] for n in self._members.get(story, ()) if self._signals[n].kinds]
        return any(a.conflicts(self._signals[n]) for n in self._members.get(other, ()) for a in kinds)

    def merge(self, absorbed: str, survivor: str) -> None:
        """Put the reports of story ``absorbed`` in story ``survivor``."""
        moved = self._members.pop(absorbed, [])
        for n in moved:
            self._stories[n] = survivor
        self._members[survivor].extend(moved)

    def _members_in_window(self, story: str, signals: Signals) -> int:
        published = signals.published
        assert published is not None
        reports = self._signals
        members = [reports[n].published for n in self._members.get(story, ())]
        try:  # |other - published| <= EVENT_WINDOW, compared without a timedelta per member
            since, until = published - EVENT_WINDOW, published + EVENT_WINDOW
        except OverflowError:  # within EVENT_WINDOW of the first or last date there is
            return len([p for p in members if p is not None and abs(p - published) <= EVENT_WINDOW])
        return len([p for p in members if p is not None and since <= p <= until])
