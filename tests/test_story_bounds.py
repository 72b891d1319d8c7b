"""Matching a report by bounds first (``EventIndex.find_all`` scores only the reports of stories
whose bounds reach the thresholds) finds what scoring every candidate found, to the last bit."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from kzfeed.stories._bounds import _COMMON, _MIN_COMMON
from kzfeed.stories._events import EVENT_WINDOW, PAIR_THRESHOLD, STORY_THRESHOLD, EventIndex, EventMatch
from kzfeed.stories._signals import EVENT_KINDS, WEIGHTS, Signals
from kzfeed.stories._stored import StoredReports

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def every_candidate_scored(index: EventIndex, signals: Signals) -> list[EventMatch]:
    """``find_all`` done the straightforward way, from the index's reports alone: the candidates
    found by looking at every report (those within ``EVENT_WINDOW`` sharing a feature that
    fewer than ``max(30, 5 %)`` of the reports have, in the order the index's postings give
    them: by feature, day, then order added), each compared by ``similarity``."""
    if signals.published is None or not signals.features:
        return []
    reports = index._signals
    limit = max(_MIN_COMMON, _COMMON * len(reports))
    day = int(signals.published.timestamp() // 86400)
    candidates: set[int] = set()
    for feature in signals.features:
        if sum(feature in r.features for r in reports) > limit:
            continue
        for d in range(day - EVENT_WINDOW.days - 1, day + EVENT_WINDOW.days + 2):
            for n, other in enumerate(reports):
                if (
                    feature in other.features
                    and other.published is not None
                    and int(other.published.timestamp() // 86400) == d
                    and abs(other.published - signals.published) <= EVENT_WINDOW
                ):
                    candidates.add(n)
    scores: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for n in candidates:  # (a set: the order the mean is summed in)
        scores[index._stories[n]].append((index.similarity(signals, reports[n]), n))
    matches = []
    for story, found in scores.items():
        top, n = max(found)
        if top < PAIR_THRESHOLD:
            continue
        members = [
            r
            for r, s in zip(reports, index._stories, strict=True)
            if s == story and r.published is not None and abs(r.published - signals.published) <= EVENT_WINDOW
        ]
        mean = sum(score for score, _ in found) / max(len(members), len(found))
        if mean < STORY_THRESHOLD:
            continue
        shared = tuple(sorted(signals.shared(reports[n]), key=lambda f: -index.idf(f)))
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


def test_a_view_of_stored_reports_finds_what_scoring_every_candidate_found() -> None:
    """The same for an index that views the run's stored reports (as each source's does):
    their rarity counted in the stored reports of its windows, their postings made when
    asked for, and the reports added since."""
    for seed in range(4):
        rng = random.Random(100 + seed)
        reports = generated(rng, 700)
        stored, batch = reports[:600], reports[600:]
        kept = StoredReports()
        for i, report in enumerate(stored):
            if report.published is not None:
                kept.add(f"r{i}", "hash", report.published, report)
        since, until = T0 + timedelta(days=6), T0 + timedelta(days=14)
        inside = [
            (f"r{i}", r)
            for i, r in enumerate(stored)
            if r.published is not None and since <= r.published <= until
        ]
        index = EventIndex.viewing(
            kept,
            [(since, until)],
            [i for i, _ in inside],
            [f"s{i[1:]}" for i, _ in inside],
            [r for _, r in inside],
        )
        matched = 0
        for j, report in enumerate(batch):
            if report.published is not None:  # (dated near the windows' middle)
                report = Signals(
                    features=report.features,
                    lang="en",
                    published=since + timedelta(days=4, hours=rng.uniform(-30, 30)),
                    kinds=report.kinds,
                )
            found = index.find_all(report)
            assert found == every_candidate_scored(index, report), (seed, j)
            matched += bool(found)
            index.add(f"n{j}", found[0].story if found else f"n{j}", report)
        assert matched > 20
