"""Fit the topic head (``src/kzfeed/classify/topic_head.json``) on the labelled training splits.

    python tests/data/classifier/train_head.py            # fit on the training splits, write the JSON
    python tests/data/classifier/train_head.py --check    # fail if the JSON is not what it would write
    python tests/data/classifier/train_head.py --fit dev test        # print a fit on other splits

For every relevant labelled article and every topic the lexicon finds in it, the classifier's
figures for that topic (``kzfeed.classify._head.FEATURES``) are one example, labelled 1 when the
topic is among the article's ``topics`` and 0 otherwise (a passing mention is a 0). A logistic
regression with an L2 penalty (passing mentions weighing ``PASSING_WEIGHT`` times) is fitted by Newton's method in plain Python: the same data gives
the same weights, bit for bit. ``fresh3`` is held out and never read here.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from kzfeed.classify import KeywordClassifier, load_labels
from kzfeed.classify._head import FEATURES, TopicHead
from kzfeed.models import TOPICS, Document

HERE = Path(__file__).resolve().parent
OUT = HERE.parents[2] / "src" / "kzfeed" / "classify" / "topic_head.json"
#: the splits the packaged head is fitted on (fresh3 is held out)
TRAINING = ("dev", "test", "fresh", "fresh2")
#: the L2 penalty on every weight (the shared bias included), and the Newton steps
PENALTY = 3.0
STEPS = 25
DIGITS = 6

#: how much a topic labelled as a passing mention weighs as a negative example: tagging one is
#: the error the issue bounds (at most 15 % of passing mentions tagged)
PASSING_WEIGHT = 1.0

Example = tuple[str, tuple[float, ...], int, float]


def examples(classifier: KeywordClassifier, splits: tuple[str, ...]) -> list[Example]:
    out: list[Example] = []
    for split in splits:
        for record in load_labels(HERE / f"{split}.jsonl"):
            if not record.relevant:
                continue
            document = Document(title=record.title, text=record.text, lang=record.lang)
            for topic, x in sorted(classifier.topic_features(document).items()):
                weight = PASSING_WEIGHT if topic in record.passing_topics else 1.0
                out.append((topic, x, int(topic in record.topics), weight))
    return out


def _design(topic: str, x: tuple[float, ...], topics: list[str]) -> list[float]:
    return [1.0, *x, *(1.0 if topic == t else 0.0 for t in topics)]


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the matrix is positive definite)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            if f:
                for c in range(col, n + 1):
                    m[r][c] -= f * m[col][c]
    out = [0.0] * n
    for r in range(n - 1, -1, -1):
        out[r] = (m[r][n] - sum(m[r][c] * out[c] for c in range(r + 1, n))) / m[r][r]
    return out


def fit(data: list[Example]) -> TopicHead:
    topics = sorted(TOPICS)
    rows = [(_design(t, x, topics), y, weight) for t, x, y, weight in data]
    n = len(rows[0][0])
    w = [0.0] * n
    for _step in range(STEPS):
        grad = [-PENALTY * wi for wi in w]
        hess = [[PENALTY if i == j else 0.0 for j in range(n)] for i in range(n)]
        for row, y, weight in rows:
            z = sum(wi * xi for wi, xi in zip(w, row, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            r = weight * (y - p)
            s = weight * p * (1.0 - p)
            for i, xi in enumerate(row):
                if xi:
                    grad[i] += r * xi
                    hi = hess[i]
                    sx = s * xi
                    for j, xj in enumerate(row):
                        if xj:
                            hi[j] += sx * xj
        step = _solve(hess, grad)
        w = [wi + si for wi, si in zip(w, step, strict=True)]
    w = [round(wi, DIGITS) + 0.0 for wi in w]
    k = len(FEATURES)
    return TopicHead(weights=tuple(w[1 : 1 + k]), bias=w[0], topic_bias=dict(zip(topics, w[1 + k :], strict=True)))


def render(head: TopicHead) -> str:
    return json.dumps(head.as_json(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if topic_head.json is not up to date")
    parser.add_argument("--fit", nargs="+", default=list(TRAINING), help="splits to fit on (printed, not written)")
    args = parser.parse_args(argv)
    if "fresh3" in args.fit:
        raise SystemExit("fresh3 is the held-out split: the head is never fitted on it")
    classifier = KeywordClassifier.from_options({"topic_head": False})
    head = fit(examples(classifier, tuple(args.fit)))
    text = render(head)
    if args.fit != list(TRAINING):
        print(text, end="")
        return 0
    if args.check:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is out of date: run python {Path(__file__).relative_to(HERE.parents[2])}")
            return 1
        print(f"{OUT.name} is up to date")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} from {', '.join(args.fit)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
