"""Score a classifier on labelled JSON Lines: relevance precision/recall/F1, topic micro and macro F1,
per language, and the ids it got wrong.

A labels file has one JSON object a line with ``id``, ``lang``, ``title``, ``text``, ``relevant``
(bool) and ``topics`` (list). Topics are scored on the articles labelled relevant (the ones that
reach the feeds); relevance on all of them. Run ``python -m kzfeed.classify._evaluate LABELS.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kzfeed.classify._jsonlines import json_objects
from kzfeed.errors import InputError, KzfeedError
from kzfeed.models import Document
from kzfeed.sources import Classifier

__all__ = [
    "Counts",
    "EvalReport",
    "LabelledArticle",
    "LanguageScores",
    "Miss",
    "TopicScores",
    "evaluate",
    "format_report",
    "load_labels",
    "main",
    "report_as_dict",
    "report_as_json",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelledArticle:
    """One line of a labels file."""

    id: str
    lang: str | None
    title: str
    text: str
    relevant: bool
    topics: tuple[str, ...] = ()

    def document(self, *, with_lang: bool = True) -> Document:
        return Document(title=self.title, text=self.text, lang=self.lang if with_lang else None, id=self.id)


@dataclass(frozen=True, slots=True, kw_only=True)
class Counts:
    """True/false positives and negatives, with the scores they give.

    With nothing to find and nothing found, precision, recall and F1 are 1.0.
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        found = self.tp + self.fp
        return self.tp / found if found else (1.0 if self.fn == 0 else 0.0)

    @property
    def recall(self) -> float:
        wanted = self.tp + self.fn
        return self.tp / wanted if wanted else (1.0 if self.fp == 0 else 0.0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            tp=self.tp + other.tp, fp=self.fp + other.fp, fn=self.fn + other.fn, tn=self.tn + other.tn
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TopicScores:
    topic: str
    counts: Counts


@dataclass(frozen=True, slots=True, kw_only=True)
class LanguageScores:
    lang: str
    articles: int
    relevance: Counts
    topics: Counts


@dataclass(frozen=True, slots=True, kw_only=True)
class Miss:
    """An article the classifier got (partly) wrong."""

    id: str
    lang: str
    expected_relevant: bool
    relevant: bool
    missing_topics: tuple[str, ...] = ()
    extra_topics: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class EvalReport:
    """How a classifier scored on a labelled set."""

    classifier: str
    articles: int
    relevance: Counts
    #: summed over topics, on the articles labelled relevant
    topics: Counts
    per_topic: tuple[TopicScores, ...]
    per_language: tuple[LanguageScores, ...]
    #: relevance decided wrongly
    misclassified: tuple[Miss, ...]
    #: labelled relevant, but with a different set of topics
    topic_errors: tuple[Miss, ...]

    @property
    def topics_micro_f1(self) -> float:
        return self.topics.f1

    @property
    def topics_macro_f1(self) -> float:
        """Mean F1 of the topics that were labelled or predicted at least once."""
        seen = [t.counts.f1 for t in self.per_topic if t.counts.tp + t.counts.fp + t.counts.fn]
        return sum(seen) / len(seen) if seen else 1.0


def _fail(path: Path, line: int, problem: str) -> InputError:
    return InputError(f"{path}:{line}: {problem}")


def load_labels(path: str | Path) -> list[LabelledArticle]:
    """Read a labels file. Raises ``InputError`` naming the file and line of the first bad line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read labels file {path}: {exc}") from exc
    records: list[LabelledArticle] = []
    seen: set[str] = set()
    for number, raw in json_objects(lines, str(path)):
        for key, kind in (("id", str), ("title", str), ("text", str), ("relevant", bool), ("topics", list)):
            if key not in raw:
                raise _fail(path, number, f"missing field {key!r}")
            if not isinstance(raw[key], kind):
                raise _fail(path, number, f"field {key!r} must be {kind.__name__}")
        lang = raw.get("lang")
        if lang is not None and not isinstance(lang, str):
            raise _fail(path, number, "field 'lang' must be a string or null")
        if not all(isinstance(t, str) for t in raw["topics"]):
            raise _fail(path, number, "field 'topics' must be a list of strings")
        if raw["id"] in seen:
            raise _fail(path, number, f"duplicate id {raw['id']!r}")
        seen.add(raw["id"])
        records.append(
            LabelledArticle(
                id=raw["id"],
                lang=lang,
                title=raw["title"],
                text=raw["text"],
                relevant=raw["relevant"],
                topics=tuple(sorted(set(raw["topics"]))),
            )
        )
    return records


def _binary(expected: bool, got: bool) -> Counts:
    if expected:
        return Counts(tp=1) if got else Counts(fn=1)
    return Counts(fp=1) if got else Counts(tn=1)


def evaluate(
    classifier: Classifier, records: Iterable[LabelledArticle], *, with_lang: bool = True
) -> EvalReport:
    """Classify every record and score the decisions against the labels.

    With ``with_lang=False`` the labelled language is withheld, so detection is tested too.
    """
    relevance = Counts()
    per_topic: dict[str, Counts] = defaultdict(Counts)
    per_lang_rel: dict[str, Counts] = defaultdict(Counts)
    per_lang_topics: dict[str, Counts] = defaultdict(Counts)
    per_lang_n: dict[str, int] = defaultdict(int)
    misclassified: list[Miss] = []
    topic_errors: list[Miss] = []
    n = 0
    for record in records:
        n += 1
        result = classifier.classify(record.document(with_lang=with_lang))
        lang = record.lang or "?"
        decided = _binary(record.relevant, result.relevant)
        relevance += decided
        per_lang_rel[lang] += decided
        per_lang_n[lang] += 1
        got = {t.topic for t in result.topics}
        missing = tuple(sorted(set(record.topics) - got))
        extra = tuple(sorted(got - set(record.topics)))
        if record.relevant != result.relevant:
            misclassified.append(
                Miss(id=record.id, lang=lang, expected_relevant=record.relevant, relevant=result.relevant,
                     reason=result.reason)
            )  # fmt: skip
        if not record.relevant:
            continue
        for topic in set(record.topics) | got:
            counts = _binary(topic in record.topics, topic in got)
            per_topic[topic] += counts
            per_lang_topics[lang] += counts
        if missing or extra:
            topic_errors.append(
                Miss(id=record.id, lang=lang, expected_relevant=True, relevant=result.relevant,
                     missing_topics=missing, extra_topics=extra, reason=result.reason)
            )  # fmt: skip
    topics_total = sum(per_topic.values(), Counts())
    return EvalReport(
        classifier=str(getattr(classifier, "name", type(classifier).__name__)),
        articles=n,
        relevance=relevance,
        topics=topics_total,
        per_topic=tuple(TopicScores(topic=t, counts=per_topic[t]) for t in sorted(per_topic)),
        per_language=tuple(
            LanguageScores(
                lang=lang,
                articles=per_lang_n[lang],
                relevance=per_lang_rel[lang],
                topics=per_lang_topics[lang],
            )
            for lang in sorted(per_lang_n)
        ),
        misclassified=tuple(misclassified),
        topic_errors=tuple(topic_errors),
    )


def _counts_dict(counts: Counts) -> dict[str, Any]:
    return {
        "precision": round(counts.precision, 4),
        "recall": round(counts.recall, 4),
        "f1": round(counts.f1, 4),
        "tp": counts.tp,
        "fp": counts.fp,
        "fn": counts.fn,
        "tn": counts.tn,
    }


def _miss_dict(miss: Miss) -> dict[str, Any]:
    return {
        "id": miss.id,
        "lang": miss.lang,
        "expected_relevant": miss.expected_relevant,
        "relevant": miss.relevant,
        "missing_topics": list(miss.missing_topics),
        "extra_topics": list(miss.extra_topics),
        "reason": miss.reason,
    }


def report_as_dict(report: EvalReport) -> dict[str, Any]:
    """The report as plain JSON-ready data."""
    return {
        "classifier": report.classifier,
        "articles": report.articles,
        "relevance": _counts_dict(report.relevance),
        "topics": {
            "micro": _counts_dict(report.topics),
            "macro_f1": round(report.topics_macro_f1, 4),
            "per_topic": {t.topic: _counts_dict(t.counts) for t in report.per_topic},
        },
        "per_language": {
            s.lang: {
                "articles": s.articles,
                "relevance": _counts_dict(s.relevance),
                "topics_micro_f1": round(s.topics.f1, 4),
            }
            for s in report.per_language
        },
        "misclassified": [_miss_dict(m) for m in report.misclassified],
        "topic_errors": [_miss_dict(m) for m in report.topic_errors],
    }


def report_as_json(report: EvalReport) -> str:
    return json.dumps(report_as_dict(report), ensure_ascii=False, indent=2)


def format_report(report: EvalReport) -> str:
    """The report as text for a terminal."""
    rel, top = report.relevance, report.topics
    lines = [
        f"classifier {report.classifier!r} on {report.articles} articles",
        f"relevance   P {rel.precision:.3f}  R {rel.recall:.3f}  F1 {rel.f1:.3f}"
        f"   (tp {rel.tp}, fp {rel.fp}, fn {rel.fn}, tn {rel.tn})",
        f"topics      micro P {top.precision:.3f}  R {top.recall:.3f}  F1 {top.f1:.3f}"
        f"   macro F1 {report.topics_macro_f1:.3f}",
        "",
        f"{'topic':<22}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}",
    ]
    for t in report.per_topic:
        c = t.counts
        lines.append(f"{t.topic:<22}{c.precision:>7.3f}{c.recall:>7.3f}{c.f1:>7.3f}{c.tp + c.fn:>9}")
    lines += ["", f"{'lang':<6}{'articles':>9}{'rel P':>8}{'rel R':>8}{'rel F1':>8}{'topic F1':>10}"]
    for s in report.per_language:
        r = s.relevance
        lines.append(
            f"{s.lang:<6}{s.articles:>9}{r.precision:>8.3f}{r.recall:>8.3f}{r.f1:>8.3f}{s.topics.f1:>10.3f}"
        )
    lines += ["", f"misclassified ({len(report.misclassified)}):"]
    for m in report.misclassified:
        lines.append(
            f"  {m.id}  expected {'relevant' if m.expected_relevant else 'not relevant'} — {m.reason}"
        )
    lines += ["", f"topic errors ({len(report.topic_errors)}):"]
    for m in report.topic_errors:
        parts = ([f"missing {', '.join(m.missing_topics)}"] if m.missing_topics else []) + (
            [f"extra {', '.join(m.extra_topics)}"] if m.extra_topics else []
        )
        lines.append(f"  {m.id}  {'; '.join(parts)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kzfeed.classify._evaluate LABELS.jsonl [--json] [--detect-language]``: score the keywords classifier."""
    parser = argparse.ArgumentParser(
        prog="python -m kzfeed.classify._evaluate", description=__doc__.splitlines()[0]
    )
    parser.add_argument("labels", nargs="+", type=Path, help="labelled JSON Lines file(s)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--detect-language", action="store_true", help="withhold the labelled language so it is detected"
    )
    args = parser.parse_args(argv)
    from kzfeed.classify import KeywordClassifier

    try:
        records = [r for path in args.labels for r in load_labels(path)]
        report = evaluate(KeywordClassifier.from_options({}), records, with_lang=not args.detect_language)
    except KzfeedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(report_as_json(report) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
