"""Throughput of the keywords classifier on unseen full-length articles, next to a naive baseline.

    .venv/bin/python benchmarks/bench_classifier.py [--processes 5] [--other-src DIR]

The default (and what ``make bench`` runs) is the honest measure of issues 13 and 15: every
full-length labelled article (1,500–5,000 characters, five languages, language detected)
classified **once**, in a **fresh process** whose word caches are empty; CPU time of the
classifying only (building the classifier and loading the language model are timed apart, as a
running pipeline does both once), and the whole process's wall time.
Each of ``--processes`` processes does that, for kzfeed's classifier and for the naive baseline
(one ``re.search`` per vocabulary term and gazetteer alias on the casefolded text: what one
would write first; it is slow, so it classifies every fourth article), interleaved; printed are the medians and the ratio. ``--other-src DIR``
adds the same processes with ``DIR`` (e.g. a checkout of the previous commit's ``src``) first on
``sys.path``.

    .venv/bin/python benchmarks/bench_classifier.py --warm [--articles 2000] [--rounds 3]

is the best case, kept for comparing with the rows of docs/benchmarks.md measured that way: 2,000
articles of 3–5 kB generated from the labelled dev set (a title and texts of one language joined),
classified in one process after 200 warm-up articles, best of ``--rounds`` — repeated text, so
the word caches are warm, which a pipeline meeting new articles never has. A last row classifies
the seed articles of 3–5 kB (real news text). The reference loop times a plain Python loop so that
figures from different machines can be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from kzfeed.articles import clean_text_article
from kzfeed.classify import KeywordClassifier, load_gazetteer, load_labels, load_vocabulary
from kzfeed.lang import warm_up
from kzfeed.models import Document

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "classifier" / "dev.jsonl"
LABELS = [ROOT / "tests" / "data" / "classifier" / f"{split}.jsonl" for split in ("dev", "test")]
SEEDS = ROOT / "seeds"


def seed_articles(count: int) -> tuple[list[Document], str]:
    """``count`` documents cycling over the seed articles of 3–5 kB once cleaned (no language
    given), and a line describing them."""
    cleaned = [
        clean_text_article(path.read_text(encoding="utf-8"), name=path.name)
        for path in sorted(SEEDS.glob("*.txt"))
    ]
    seeds = [Document(title=a.title, text=a.text) for a in cleaned if 3000 <= len(a.text.encode()) <= 5000]
    sizes = [len(d.text.encode()) for d in seeds]
    described = (
        f"{len(seeds)} seed articles, {min(sizes)}–{max(sizes)} bytes"
        if seeds
        else "no seed article of 3–5 kB"
    )
    return [seeds[i % len(seeds)] for i in range(count)] if seeds else [], described


def make_articles(count: int, seed: int) -> list[Document]:
    """``count`` articles of 3–5 kB (UTF-8), each a dev title and same-language dev texts."""
    records = load_labels(DEV)
    rng = random.Random(seed)
    by_lang: dict[str | None, list[str]] = {}
    for record in records:
        by_lang.setdefault(record.lang, []).append(record.text)
    articles = []
    for _ in range(count):
        first = rng.choice(records)
        target = rng.randint(3000, 5000)
        parts = [first.text]
        while len("\n\n".join(parts).encode()) < target:
            parts.append(rng.choice(by_lang[first.lang]))
        text = "\n\n".join(parts).encode()[:target].decode(errors="ignore")
        articles.append(Document(title=first.title, text=text, lang=first.lang))
    return articles


class NaiveClassifier:
    """The baseline: every term and alias searched for on its own with ``re.search``."""

    name = "naive"

    def __init__(self) -> None:
        terms: list[tuple[str, str]] = []
        for topic in load_vocabulary().topics:
            for lists in (topic.terms, topic.weak):
                terms.extend((topic.name, t) for ts in lists.values() for t in ts)
        aliases = [(e.side, a) for e in load_gazetteer() for a in e.aliases]
        self.patterns = [(key, _naive_regex(term)) for key, term in terms + aliases]

    def classify(self, document: Document) -> dict[str, int]:
        text = f"{document.title}\n{document.text}".casefold()
        found: dict[str, int] = {}
        for key, pattern in self.patterns:
            if pattern.search(text):
                found[key] = found.get(key, 0) + 1
        return found


def _naive_regex(term: str) -> re.Pattern[str]:
    words = [re.escape(w.strip("=*").casefold()) + (r"\w*" if w.endswith("*") else "") for w in term.split()]
    return re.compile(r"\b" + r"\W+".join(words) + r"\b")


def reference_loop() -> float:
    """CPU seconds for ten million iterations of an empty loop: how fast this machine runs Python
    right now (shared and virtual machines vary from minute to minute)."""
    start = time.process_time()
    for _ in range(1_000_000):
        pass
    return (time.process_time() - start) * 10


def throughput(
    classify: Callable[[Document], object], articles: Sequence[Document], rounds: int
) -> tuple[float, float]:
    """Best-of-``rounds`` articles per CPU-second, and the reference loop timed in that round."""
    best = (0.0, 0.0)
    for _ in range(rounds):
        reference = reference_loop()
        start = time.process_time()
        for article in articles:
            classify(article)
        rate = len(articles) / max(time.process_time() - start, 1e-9)
        best = max(best, (rate, reference))
    return best


def unseen_once(kind: str = "keywords") -> dict[str, float]:
    """In this (fresh) process: classify every full-length labelled article once with the
    ``kind`` of classifier (``keywords`` or ``naive``); the rate."""
    articles = [
        Document(title=r.title, text=r.text)
        for path in LABELS
        for r in load_labels(path)
        if len(r.text) >= 1500
    ]
    if kind == "naive":  # ~25 s for all of them: every fourth article (all five languages) tells its rate
        articles = articles[::4]
    start = time.process_time()
    classifier: KeywordClassifier | NaiveClassifier = (
        KeywordClassifier() if kind == "keywords" else NaiveClassifier()
    )
    if kind == "keywords":
        # the language model is loaded on the first text whose function words do not settle its
        # language: once a process, like building the classifier, so it is timed with the building
        warm_up()
    built = time.process_time() - start
    start = time.process_time()
    for article in articles:
        classifier.classify(article)
    spent = time.process_time() - start
    return {"articles": len(articles), "seconds": spent, "rate": len(articles) / spent, "built": built,
            "reference": reference_loop()}  # fmt: skip


def _child(src: str | None, kind: str = "keywords") -> dict[str, float]:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--unseen-child", kind],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    figures = dict(json.loads(out.stdout.splitlines()[-1]))
    figures["wall"] = time.perf_counter() - start  # the whole process: start-up, building, classifying
    return figures


def unseen(processes: int, other_src: str | None) -> int:
    """Fresh processes, each classifying every full-length article once; medians (and the ratio)."""
    rows: dict[str, list[dict[str, float]]] = {"this checkout": [], "naive re.search baseline": []}
    if other_src:
        rows[f"other: {other_src}"] = []
    for _ in range(processes):  # interleaved, so drift in the machine's speed hits all alike
        rows["this checkout"].append(_child(None))
        rows["naive re.search baseline"].append(_child(None, "naive"))
        if other_src:
            rows[f"other: {other_src}"].append(_child(other_src))
    medians = {}
    for name, runs in rows.items():
        rate = statistics.median(r["rate"] for r in runs)
        medians[name] = rate
        print(
            f"{name}: {int(runs[0]['articles'])} unseen full-length articles once per process, "
            f"{processes} processes: median {rate:,.0f} articles/CPU-s "
            f"(min {min(r['rate'] for r in runs):,.0f}, max {max(r['rate'] for r in runs):,.0f}); "
            f"built in {statistics.median(r['built'] for r in runs):.2f} s; "
            f"whole process {statistics.median(r['wall'] for r in runs):.2f} s wall; "
            f"reference loop {statistics.median(r['reference'] for r in runs):.2f} s"
        )
    this, naive = medians["this checkout"], medians["naive re.search baseline"]
    print(f"ratio this / naive baseline: {this / naive:.1f}× articles/CPU-s")
    if other_src:
        print(f"ratio this / other: {this / medians[f'other: {other_src}']:.2f}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--warm", action="store_true", help="the best case: repeated text, warm caches, best of rounds"
    )
    parser.add_argument("--unseen", action="store_true", help="the default, kept for old command lines")
    parser.add_argument("--unseen-child", choices=("keywords", "naive"), help=argparse.SUPPRESS)
    parser.add_argument("--processes", type=int, default=5)
    parser.add_argument("--other-src", help="with --unseen: also time the classifier found in this src dir")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--baseline-articles", type=int, default=100, help="the baseline is slow")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.unseen_child:
        print(json.dumps(unseen_once(args.unseen_child)))
        return 0
    if not args.warm:
        return unseen(args.processes, args.other_src)

    articles = make_articles(args.articles, args.seed)
    sizes = [len(a.text.encode()) for a in articles]
    print(f"{len(articles)} articles, {statistics.mean(sizes) / 1000:.1f} kB on average "
          f"({min(sizes)}–{max(sizes)} bytes), Python {sys.version.split()[0]}")  # fmt: skip

    start = time.perf_counter()
    keywords = KeywordClassifier()
    print(f"keywords classifier built in {time.perf_counter() - start:.2f} s (compiling, language model)")
    unlabelled = [Document(title=a.title, text=a.text) for a in articles]
    for article in articles[:200]:  # warm the word cache as a long-running pipeline would
        keywords.classify(article)
    naive = NaiveClassifier()

    seeds, seeds_described = seed_articles(len(articles))
    rows = [
        ("keywords, language given", throughput(keywords.classify, articles, args.rounds)),
        ("keywords, language detected", throughput(keywords.classify, unlabelled, args.rounds)),
        (f"naive re.search per term ({len(naive.patterns)} patterns)",
         throughput(naive.classify, articles[: args.baseline_articles], 1)),
    ]  # fmt: skip
    if seeds:
        rows.append(
            (f"keywords, real news: {seeds_described}", throughput(keywords.classify, seeds, args.rounds))
        )
    width = max(len(name) for name, _ in rows)
    print(f"{'':<{width}}  {'articles/s':>10}  (reference loop, s)")
    for name, (rate, reference) in rows:
        print(f"{name:<{width}}  {rate:>10,.0f}  ({reference:.2f})")
    print(f"speed-up over the baseline: {rows[1][1][0] / rows[2][1][0]:.0f}x (language detected)")
    print(
        "rates are per CPU-second on one core; the reference loop is 10M empty iterations timed in the same round"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
