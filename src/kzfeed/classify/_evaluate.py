"""Score a classifier on labelled JSON Lines: relevance precision/recall/F1, topic micro and macro F1,
per language, and the ids it got wrong.

A labels file has one JSON object a line with ``id``, ``lang``, ``title``, ``text``, ``relevant``
(bool) and ``topics`` (list). Topics are scored on the articles labelled relevant (the ones that
reach the feeds); relevance on all of them. Run ``python -m kzfeed.classify._evaluate LABELS.jsonl``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kzfeed.errors import InputError, KzfeedError
from kzfeed.jsonlines import json_objects
from kzfeed.models import RawItem
from kzfeed.sources import Classifier

__all__ = [
    "FORMS",
    "Counts",
    "EvalReport",
    "GroupScores",
    "LabelledArticle",
    "LanguageScores",
    "Miss",
    "TopicScores",
    "article_form",
    "evaluate",
    "load_labels",
    "main",
]

#: what kind of article a labelled item is: a full-length article (1,500 characters or more), a
#: short report (at most four sentences) or a medium one (a headline and a few paragraphs)
FORMS = ("full", "short", "medium")
FULL_MIN_CHARS = 1500
SHORT_MAX_SENTENCES = 4
_SENTENCE_END = re.compile(r"[.!?…](?=[\s\"»“”)]|$)")


def article_form(text: str) -> str:
    """``full``, ``short`` or ``medium``, from the length of ``text`` (used when a label has no ``form``)."""
    if len(text) >= FULL_MIN_CHARS:
        return "full"
    sentences = len(_SENTENCE_END.findall(text.strip())) or 1
    return "short" if sentences <= SHORT_MAX_SENTENCES else "medium"


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelledArticle:
    """One line of a labels file."""

    id: str
    lang: str | None
    title: str
    text: str
    relevant: bool
    #: what the article is about
    topics: tuple[str, ...] = ()
    #: topics the article only mentions in passing: tagging one of them is an error
    passing_topics: tuple[str, ...] = ()
    form: str = "medium"

    def document(self, *, with_lang: bool = True) -> RawItem:
        """The labelled article as a classifier reads it."""
        return RawItem(guid=self.id, title=self.title, text=self.text, lang=self.lang if with_lang else None)


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
class GroupScores:
    """The scores of one group of articles: all, one language, one form, or one language and form.

    Topics, tags and passing mentions are counted on the articles labelled relevant.
    """

    name: str
    articles: int = 0
    relevance: Counts = Counts()
    topics: Counts = Counts()
    #: articles labelled relevant
    relevant_articles: int = 0
    #: topics tagged on them, and topics labelled on them
    tags: int = 0
    labelled_tags: int = 0
    #: topics labelled as passing mentions, and how many of them were tagged anyway
    passing: int = 0
    passing_tagged: int = 0

    @property
    def lang(self) -> str:
        return self.name

    @property
    def offbeat(self) -> int:
        """Articles labelled not relevant."""
        return self.relevance.fp + self.relevance.tn

    @property
    def offbeat_relevant_rate(self) -> float:
        """The share of off-beat articles marked relevant."""
        return self.relevance.fp / self.offbeat if self.offbeat else 0.0

    @property
    def passing_rate(self) -> float:
        """The share of passing mentions that were tagged (0 with none labelled)."""
        return self.passing_tagged / self.passing if self.passing else 0.0

    @property
    def mean_tags(self) -> float:
        return self.tags / self.relevant_articles if self.relevant_articles else 0.0

    @property
    def labelled_mean_tags(self) -> float:
        return self.labelled_tags / self.relevant_articles if self.relevant_articles else 0.0

    def add(self, other: GroupScores) -> GroupScores:
        return GroupScores(
            name=self.name,
            articles=self.articles + other.articles,
            relevance=self.relevance + other.relevance,
            topics=self.topics + other.topics,
            relevant_articles=self.relevant_articles + other.relevant_articles,
            tags=self.tags + other.tags,
            labelled_tags=self.labelled_tags + other.labelled_tags,
            passing=self.passing + other.passing,
            passing_tagged=self.passing_tagged + other.passing_tagged,
        )


#: the per-language scores are group scores named by language
LanguageScores = GroupScores


@dataclass(frozen=True, slots=True, kw_only=True)
class Miss:
    """An article the classifier got (partly) wrong."""

    id: str
    lang: str
    expected_relevant: bool
    relevant: bool
    missing_topics: tuple[str, ...] = ()
    extra_topics: tuple[str, ...] = ()
    #: the extra topics that the labels call passing mentions
    passing_tagged: tuple[str, ...] = ()
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
    per_language: tuple[GroupScores, ...]
    #: relevance decided wrongly
    misclassified: tuple[Miss, ...]
    #: labelled relevant, but with a different set of topics
    topic_errors: tuple[Miss, ...]
    #: every article, then by form (full, short, medium) and by language and form ("en/full")
    overall: GroupScores = GroupScores(name="all")
    per_form: tuple[GroupScores, ...] = ()
    per_language_form: tuple[GroupScores, ...] = ()

    @property
    def topics_micro_f1(self) -> float:
        return self.topics.f1

    @property
    def topics_macro_f1(self) -> float:
        """Mean F1 of the topics that were labelled or predicted at least once."""
        seen = [t.counts.f1 for t in self.per_topic if t.counts.tp + t.counts.fp + t.counts.fn]
        return sum(seen) / len(seen) if seen else 1.0

    def group(self, name: str) -> GroupScores:
        """The scores of ``all``, a form, a language or ``lang/form``: empty if no article is in it."""
        for scores in (self.overall, *self.per_form, *self.per_language, *self.per_language_form):
            if scores.name == name:
                return scores
        return GroupScores(name=name)


def _fail(path: Path, line: int, problem: str) -> InputError:
    return InputError(f"{path}:{line}: {problem}")


def _strings(raw: dict[str, Any], key: str, path: Path, number: int) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise _fail(path, number, f"field {key!r} must be a list of strings")
    return tuple(sorted(set(value)))


def _record(raw: dict[str, Any], path: Path, number: int) -> LabelledArticle:
    for key, kind in (("id", str), ("title", str), ("text", str), ("relevant", bool), ("topics", list)):
        if key not in raw:
            raise _fail(path, number, f"missing field {key!r}")
        if not isinstance(raw[key], kind):
            raise _fail(path, number, f"field {key!r} must be {kind.__name__}")
    lang = raw.get("lang")
    if lang is not None and not isinstance(lang, str):
        raise _fail(path, number, "field 'lang' must be a string or null")
    topics, passing = _strings(raw, "topics", path, number), _strings(raw, "passing_topics", path, number)
    if both := set(topics) & set(passing):
        raise _fail(path, number, f"{sorted(both)[0]!r} is in both 'topics' and 'passing_topics'")
    form = raw.get("form") or article_form(raw["text"])
    if form not in FORMS:
        raise _fail(path, number, f"field 'form' must be one of {', '.join(FORMS)}, not {form!r}")
    return LabelledArticle(
        id=raw["id"],
        lang=lang,
        title=raw["title"],
        text=raw["text"],
        relevant=raw["relevant"],
        topics=topics,
        passing_topics=passing,
        form=form,
    )


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
        record = _record(raw, path, number)
        if record.id in seen:
            raise _fail(path, number, f"duplicate id {record.id!r}")
        seen.add(record.id)
        records.append(record)
    return records


def _binary(expected: bool, got: bool) -> Counts:
    if expected:
        return Counts(tp=1) if got else Counts(fn=1)
    return Counts(fp=1) if got else Counts(tn=1)


def _judge(record: LabelledArticle, relevant: bool, got: set[str]) -> tuple[GroupScores, dict[str, Counts]]:
    """One article's contribution to its groups, and to each topic."""
    decided = _binary(record.relevant, relevant)
    if not record.relevant:
        return GroupScores(name="", articles=1, relevance=decided), {}
    per_topic = {topic: _binary(topic in record.topics, topic in got) for topic in set(record.topics) | got}
    return GroupScores(
        name="",
        articles=1,
        relevance=decided,
        topics=sum(per_topic.values(), Counts()),
        relevant_articles=1,
        tags=len(got),
        labelled_tags=len(record.topics),
        passing=len(record.passing_topics),
        passing_tagged=len(set(record.passing_topics) & got),
    ), per_topic


def _miss(record: LabelledArticle, relevant: bool, got: set[str], reason: str) -> Miss | None:
    missing = tuple(sorted(set(record.topics) - got))
    extra = tuple(sorted(got - set(record.topics)))
    if not (missing or extra):
        return None
    return Miss(
        id=record.id, lang=record.lang or "?", expected_relevant=True, relevant=relevant,
        missing_topics=missing, extra_topics=extra,
        passing_tagged=tuple(t for t in extra if t in record.passing_topics), reason=reason,
    )  # fmt: skip


def evaluate(
    classifier: Classifier, records: Iterable[LabelledArticle], *, with_lang: bool = True
) -> EvalReport:
    """Classify every record and score the decisions against the labels.

    With ``with_lang=False`` the labelled language is withheld, so detection is tested too.
    """
    groups: dict[str, GroupScores] = {}
    per_topic: dict[str, Counts] = defaultdict(Counts)
    misclassified: list[Miss] = []
    topic_errors: list[Miss] = []
    for record in records:
        result = classifier.classify(record.document(with_lang=with_lang))
        lang = record.lang or "?"
        got = {t.topic for t in result.topics}
        scores, topics = _judge(record, result.relevant, got)
        for name in ("all", record.form, lang, f"{lang}/{record.form}"):
            groups[name] = groups.get(name, GroupScores(name=name)).add(scores)
        for topic, counts in topics.items():
            per_topic[topic] += counts
        if record.relevant != result.relevant:
            misclassified.append(
                Miss(id=record.id, lang=lang, expected_relevant=record.relevant, relevant=result.relevant,
                     reason=result.reason)
            )  # fmt: skip
        if record.relevant and (miss := _miss(record, result.relevant, got, result.reason)):
            topic_errors.append(miss)
    overall = groups.get("all", GroupScores(name="all"))
    langs = sorted({name for name in groups if name not in FORMS and name != "all" and "/" not in name})
    return EvalReport(
        classifier=str(getattr(classifier, "name", type(classifier).__name__)),
        articles=overall.articles,
        relevance=overall.relevance,
        topics=overall.topics,
        per_topic=tuple(TopicScores(topic=t, counts=per_topic[t]) for t in sorted(per_topic)),
        per_language=tuple(groups[lang] for lang in langs),
        misclassified=tuple(misclassified),
        topic_errors=tuple(topic_errors),
        overall=overall,
        per_form=tuple(groups[form] for form in FORMS if form in groups),
        per_language_form=tuple(
            groups[f"{lang}/{form}"] for lang in langs for form in FORMS if f"{lang}/{form}" in groups
        ),
    )


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
    from kzfeed.classify._report import format_report, report_as_json

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
