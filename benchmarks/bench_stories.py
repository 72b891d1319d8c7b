"""Cost of story grouping: 10,000 new reports against 100,000 stored ones, as ``kzfeed run`` does it.

    .venv/bin/python benchmarks/bench_stories.py [--stored 100000] [--new 10000] [--rounds 3]

Reports are generated: events spread over a year, each reported 1–6 times in en/fr/ru/de/kk
within a day of each other, with people, organisations and places drawn from skewed pools
(a few are in most reports, as "Kazakhstan" and "Tokayev" are), figures, topics and ~90 words
of text (so that SimHash fingerprints are made). The stored reports carry their stories and
fingerprints, as the database does; the new ones are the last week's.

What is timed is what the pipeline does for a batch: the index of the stored items' exact keys
and fingerprints that the batch can match (``Store.story_keys`` of ``story_lookup(batch)``: the
same keys, or published around the batch's dates; picked here from the generated items the way
the database's indexes pick them), the signals of the stored reports published within the
windows of the batch (``index.add_reports``), and ``assign_stories`` on the batch. Each mode runs as its own process, ``--rounds`` times; the median wall time is shown:

- ``full``: exact keys, SimHash and the cross-language matching (what kzfeed does);
- ``copies``: the same with the cross-language signals left empty (exact keys and SimHash only,
  the grouping before issue 14), to show what the cross-language matching costs.

Building the generated items is not timed. The B-cubed scores against the generated events are
printed too (generated text has no real language, so they only say that the grouping keeps
generated events apart; the labelled sets in tests/data/stories/labelled measure quality).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from kzfeed.models import Classification, Entity, Item, TopicTag
from kzfeed.stories import StoryIndex, StoryLookup, assign_stories, bcubed, report_windows, story_lookup
from kzfeed.stories._dedupe import simhash

LANGS = ("en", "fr", "ru", "de", "kk")
TOPICS = ("energy", "raw_materials", "trade_investment", "political_dialogue", "transport_logistics")
KINDS = ("summit", "visit", "crash", "memorandum", "roadmap", "election")
START = datetime(2025, 1, 1, tzinfo=UTC)


def _pool(rng: random.Random, prefix: str, size: int) -> list[str]:
    return [f"{prefix} {rng.randrange(10**6):06d}" for _ in range(size)]


def _skewed(rng: random.Random, pool: list[str], k: int) -> list[str]:
    return [pool[min(int(rng.paretovariate(1.2)) - 1, len(pool) - 1)] for _ in range(k)]


class _Events:
    """Generated events, each reported 1–6 times."""

    def __init__(self, seed: int) -> None:
        self.rng = rng = random.Random(seed)
        self.people, self.orgs = _pool(rng, "Person", 3000), _pool(rng, "Org", 1000)
        self.places = _pool(rng, "Place", 300)
        self.words = [f"w{rng.randrange(10**5)}" for _ in range(5000)]
        self.gold: dict[str, str] = {}
        self.count = 0

    def reports(self, first_day: float, last_day: float) -> list[Item]:
        rng = self.rng
        self.count += 1
        event = f"e{self.count}"
        day = START + timedelta(days=rng.uniform(first_day, last_day))
        entities = (
            [("person", p) for p in _skewed(rng, self.people, rng.randint(1, 3))]
            + [("org", o) for o in _skewed(rng, self.orgs, rng.randint(0, 2))]
            + [("place", p) for p in _skewed(rng, self.places, rng.randint(1, 2))]
        )
        figures = [str(rng.randrange(10, 10**6)) for _ in range(rng.randint(0, 3))]
        topics = rng.sample(TOPICS, rng.randint(1, 2))
        kind = rng.choice(KINDS)
        out = []
        for n in range(rng.randint(1, 6)):
            said = [e for e in entities if rng.random() < 0.8] or entities[:1]
            text = " ".join(rng.choice(self.words) for _ in range(90)) + " " + " ".join(figures) + f" {kind}"
            report_id = f"{event}-r{n}"
            self.gold[report_id] = event
            out.append(
                Item(
                    id=report_id,
                    source=f"s{rng.randrange(40)}",
                    guid=report_id,
                    title=f"{kind} {event}",
                    content_text=text,
                    content_html="",
                    content_hash=hashlib.sha256(text.encode()).hexdigest(),
                    published=day + timedelta(hours=rng.uniform(0, 24)),
                    first_seen=day,
                    lang=rng.choice(LANGS),
                    classification=Classification(
                        relevant=True,
                        relevance=1.0,
                        entities=tuple(Entity(name=name, kind=k) for k, name in dict.fromkeys(said)),
                        topics=tuple(TopicTag(topic=t, score=1.0) for t in topics),
                    ),
                )
            )
        return out


def generate(stored: int, new: int, seed: int) -> tuple[list[Item], list[Item], dict[str, str]]:
    """``stored`` reports over a year and ``new`` ones of its last week; and each report's event."""
    events = _Events(seed)
    old: list[Item] = []
    while len(old) < stored:
        old.extend(events.reports(0, 365))
    batch: list[Item] = []
    while len(batch) < new:
        batch.extend(events.reports(358, 365))
    # the stored reports have their stories and fingerprints, as in the database
    old = [
        replace(i, story_id=f"{events.gold[i.id]}-r0", simhash=simhash(i.content_text)) for i in old[:stored]
    ]
    return old, batch[:new], events.gold


def _looked_up(look: StoryLookup, items: list[Item]) -> list[Item]:
    """The items whose keys ``Store.story_keys`` reads for the batch of ``look``."""
    exact = {*look.ids, *look.hashes, *look.urls}

    def read(item: Item) -> bool:
        if exact & {item.id, item.content_hash, item.canonical_url}:
            return True
        date = item.published or item.first_seen
        return date is not None and any(a <= date <= b for a, b in look.spans)

    return [i for i in items if read(i)]


def run_once(stored: int, new: int, seed: int, mode: str) -> dict[str, float]:
    old, batch, gold = generate(stored, new, seed)
    if mode == "copies":
        import kzfeed.stories._dedupe as dedupe
        from kzfeed.stories._signals import Signals

        dedupe.signals = lambda item: Signals(features={}, lang=item.lang, published=item.published)  # type: ignore[assignment]
    windows = report_windows(batch)
    in_window = [i for i in old if i.published and any(a <= i.published <= b for a, b in windows)]
    from kzfeed.stories._dedupe import story_key

    keys = [story_key(i) for i in _looked_up(story_lookup(batch, START + timedelta(days=365)), old)]
    started = time.perf_counter()
    index = StoryIndex(keys)
    index.add_reports(in_window)
    assigned = assign_stories(batch, index)
    seconds = time.perf_counter() - started
    predicted = {i.id: i.story_id or i.id for i in (*old, *assigned)}
    p, r, f = bcubed({i.id: gold[i.id] for i in assigned}, predicted)
    return {
        "seconds": seconds,
        "in_window": len(in_window),
        "keys": len(keys),
        "precision": p,
        "recall": r,
        "f1": f,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", choices=("full", "copies"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_once(args.stored, args.new, args.seed, args.child)))
        return 0
    results: dict[str, list[dict[str, float]]] = {"full": [], "copies": []}
    for _ in range(args.rounds):
        for mode in results:
            out = subprocess.run(
                [sys.executable, __file__, "--child", mode, *(f"--{k}={v}" for k, v in
                 (("stored", args.stored), ("new", args.new), ("seed", args.seed)))],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            results[mode].append(json.loads(out.stdout))
    print(f"{args.new} new reports against {args.stored} stored, {args.rounds} round(s), median wall time")
    base = statistics.median(r["seconds"] for r in results["copies"])
    for mode, runs in results.items():
        seconds = statistics.median(r["seconds"] for r in runs)
        last = runs[-1]
        print(
            f"{mode:7} {seconds:7.2f} s  ({seconds / base:.2f}x copies)  stored in window {last['in_window']:.0f}  keys read {last['keys']:.0f}  "
            f"B-cubed P {last['precision']:.3f} R {last['recall']:.3f} F1 {last['f1']:.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
