"""Matching a report by bounds first (``EventIndex.find_all`` scores only the reports of stories
whose bounds reach the thresholds) finds what scoring every candidate found, to the last bit."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from kzfeed.stories._events import PAIR_THRESHOLD, STORY_THRESHOLD, EventIndex, EventMatch
from kzfeed.stories._signals import EVENT_KINDS, WEIGHTS, Signals

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def every_candidate_scored(index: EventIndex, signals: Signals) -> list[EventMatch]:
    """``find_all`` as it was before the bounds: every candidate's vector made and compared."""
    if signals.published is None or not signals.features:
        return []
    scores: dict[str, list[tuple[float, int]]] = defaultdict(list)
    idf: dict[str, float] = {}
    index._idf_of(signals.features, idf)
    mine = [(f, w * idf[f]) for f, w in signals.features.items()]
    norm = math.sqrt(sum([w * w for _, w in mine]))
    for n in index._candidates(signals):
        other = index._signals[n]
        score = 0.0
        if not signals.conflicts(other):
            theirs = other.features
            dot = sum([w * (theirs[f] * idf[f]) for f, w in mine if f in theirs])
            if dot:
                index._idf_of(theirs, idf)
                score = dot / (
                    norm * math.sqrt(sum([x * x for x in [w * idf[f] for f, w in theirs.items()]]))
                )
        scores[index._stories[n]].append((score, n))
    matches = []
    for story, found in scores.items():
        top, n = max(found)
        if top < PAIR_THRESHOLD:
            continue
        mean = sum(score for score, _ in found) / max(index._members_in_window(story, signals), len(found))
        if mean < STORY_THRESHOLD:
            continue
        shared = tuple(sorted(signals.shared(index._signals[n]), key=lambda f: -index.idf(f)))
        matches.append(EventMatch(story=story, item_id=index._ids[n], score=top, mean=mean, shared=shared))
    matches.sort(key=lambda m: (-m.mean, m.story))
    return matches


def generated(rng: random.Random, n: int) -> list[Signals]:
    """``n`` reports of a few hundred events over three weeks: each names some of its event's
    features and some common ones (Zipf-like), and some are copies of another, or near it."""
    kinds = list(EVENT_KINDS)
    weights = list(WEIGHTS.items())
    events = []
    for e in range(n // 4 + 1):
        features = {f"{k}:{e}-{j}": w for j, (k, w) in enumerate(rng.sample(weights, 6))}
        events.append((features, frozenset(rng.sample(kinds, rng.choice((0, 1, 1, 2)))), rng.random() * 21))
    reports: list[Signals] = []
    for _ in range(n):
        if reports and rng.random() < 0.15:  # a copy of an earlier report
            copied = rng.choice(reports)
            reports.append(Signals(features=dict(copied.features), lang="en", published=copied.published))
            continue
        features, kind, day = events[min(int(rng.paretovariate(1.2)) - 1, len(events) - 1)]
        chosen = {f: w for f, w in features.items() if rng.random() < 0.7}
        for _ in range(rng.randrange(6)):
            k, w = rng.choice(weights)
            chosen[f"{k}:common-{int(rng.paretovariate(1.0))}"] = w
        when = T0 + timedelta(days=day + rng.uniform(-2, 2)) if rng.random() > 0.05 else None
        reports.append(Signals(features=chosen, lang="en", published=when, kinds=kind))
    return reports


def test_bounded_matching_finds_what_scoring_every_candidate_found() -> None:
    for seed in range(6):
        rng = random.Random(seed)
        index = EventIndex()
        matched = 0
        for i, report in enumerate(generated(rng, 600)):
            found = index.find_all(report)
            assert found == every_candidate_scored(index, report), (seed, i)
            matched += bool(found)
            index.add(f"r{i}", found[0].story if found else f"s{i}", report)
        assert matched > 100  # the reports match, and some stories are merged


def test_a_report_with_all_its_features_shared_is_bounded_by_its_similarity() -> None:
    # a copy: the bound and the similarity are the same quotient, rounded apart
    index = EventIndex()
    features = {"entity:A": 3.0, "name:borat": 1.0, "number:81.31": 2.0, "topic:politics": 0.5}
    for i in range(20):  # (fewer than make a feature common)
        index.add(f"r{i}", f"s{i}", Signals(features=dict(features), lang="en", published=T0))
    copy = Signals(features=dict(features), lang="fr", published=T0 + timedelta(hours=1))
    assert index.find_all(copy) == every_candidate_scored(index, copy)
    assert len(index.find_all(copy)) == 20
