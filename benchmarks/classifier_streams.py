"""The keywords classifier over long streams of documents, for several versions side by side:
articles per second (CPU of the classifying only) and how much the process grew over the built
classifier (``ru_maxrss``), each run a fresh process, the versions alternating round by round.

    .venv/bin/python benchmarks/classifier_streams.py [--rounds 3] LABEL:SRC [LABEL:SRC ...]

``SRC`` is the ``src`` folder of a version (e.g. a ``git worktree`` of main), run with this
virtualenv through ``PYTHONPATH``. The streams:

- ``storage``: 30,000 items as ``bench_storage.py`` seeds them (what ``kzfeed reclassify`` goes
  through in that benchmark): ~150 words from a closed vocabulary, a new number in each title;
- ``real``: the labelled articles of ``tests/data/classifier`` (dev, test, fresh to fresh5;
  five languages, real reporting, short reports and full-length articles), five passes, each
  in another order (3,270 documents): words come back across documents, as in news;
- ``zipf``: 4,000 articles of 600 words drawn from a Zipf law (s = 1) over 1,000,000 made-up
  words: a vocabulary far larger than any cache, the worst case for a bounded one.

``python classifier_streams.py run STREAM`` is one measuring process (what the above starts).
"""

from __future__ import annotations

import argparse
import bisect
import gc
import itertools
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELLED = HERE.parent / "tests" / "data" / "classifier"
SPLITS = ("dev", "test", "fresh", "fresh2", "fresh3", "fresh4", "fresh5")
STREAMS = {"storage": 30_000, "real": 3_270, "zipf": 4_000}


def documents(stream: str) -> Iterator[object]:
    from kzfeed.models import Document

    count = STREAMS[stream]
    if stream == "storage":
        sys.path.insert(0, str(HERE))
        from bench_storage import article_text

        for n in range(count):
            yield Document(
                title=f"Kazakhstan and EU history {n}", text=article_text(10_000 + n % 997, n), lang="en"
            )
    elif stream == "real":
        articles = [
            json.loads(line)
            for split in SPLITS
            for line in (LABELLED / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        rng = random.Random(1)
        for _ in range(count // len(articles) + 1):
            rng.shuffle(articles)
            for a in articles[:count]:
                yield Document(title=a["title"], text=a["text"], lang=a["lang"])
            count -= len(articles)
            if count <= 0:
                return
    else:
        rng = random.Random(2)
        weights = list(itertools.accumulate(1.0 / rank for rank in range(1, 1_000_001)))
        syllables = "ka ze ro mi tu la ne so vi da re po lu ma te ri no sa be gu".split()

        def word(rank: int) -> str:
            out = []
            while rank:
                rank, digit = divmod(rank, 20)
                out.append(syllables[digit])
            return "".join(out)

        for _ in range(count):
            words = [word(bisect.bisect(weights, rng.random() * weights[-1]) + 1) for _ in range(600)]
            text = ". ".join(" ".join(words[i : i + 20]) for i in range(0, 600, 20))
            yield Document(
                title=f"Kazakhstan and the EU {words[0]}", text=f"{text}. Astana and Brussels.", lang="en"
            )


def run(stream: str) -> None:
    from kzfeed.classify import KeywordClassifier

    docs = list(documents(stream))
    classifier = KeywordClassifier()
    gc.collect()
    built = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.process_time()
    for doc in docs:
        classifier.classify(doc)  # type: ignore[arg-type]
    cpu = time.process_time() - start
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - built
    print(json.dumps({"per_s": len(docs) / cpu, "grown_mib": grown}))


def main() -> None:
    if sys.argv[1:2] == ["run"]:
        run(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--streams", default=",".join(STREAMS))
    parser.add_argument("versions", nargs="+", metavar="LABEL:SRC")
    args = parser.parse_args()
    got: dict[tuple[str, str], list[dict[str, float]]] = {}
    for _ in range(args.rounds):
        for stream in args.streams.split(","):
            for version in args.versions:
                label, src = version.split(":", 1)
                env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())}
                out = subprocess.run(
                    [sys.executable, __file__, "run", stream],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                result = json.loads(re.findall(r"^\{.*\}$", out, re.M)[-1])
                got.setdefault((stream, label), []).append(result)
                print(
                    f"  {stream:<8} {label:<10} {result['per_s']:7.0f}/s  +{result['grown_mib']:.1f} MiB",
                    flush=True,
                )
    print(f"median of {args.rounds} (articles/s, CPU of classifying; growth over the built classifier, peak)")
    for stream in args.streams.split(","):
        first = None
        for version in args.versions:
            label = version.split(":", 1)[0]
            rows = got[(stream, label)]
            rate = statistics.median(r["per_s"] for r in rows)
            first = first or rate
            grown = max(r["grown_mib"] for r in rows)
            print(f"  {stream:<8} {label:<10} {rate:7.0f}/s  +{grown:5.1f} MiB   {rate / first:.2f}x")


if __name__ == "__main__":
    main()
