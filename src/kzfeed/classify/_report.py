"""The evaluation report as text for a terminal and as JSON (``kzfeed eval``)."""

from __future__ import annotations

import json
from typing import Any

from kzfeed.classify._evaluate import Counts, EvalReport, GroupScores, Miss

__all__ = ["format_report", "report_as_dict", "report_as_json"]


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
        "passing_tagged": list(miss.passing_tagged),
        "reason": miss.reason,
    }


def _group_dict(scores: GroupScores) -> dict[str, Any]:
    return {
        "articles": scores.articles,
        "relevance": _counts_dict(scores.relevance),
        "offbeat": scores.offbeat,
        "offbeat_marked_relevant": scores.relevance.fp,
        "offbeat_marked_relevant_rate": round(scores.offbeat_relevant_rate, 4),
        "topics": _counts_dict(scores.topics),
        "topics_micro_f1": round(scores.topics.f1, 4),
        "passing_mentions": scores.passing,
        "passing_mentions_tagged": scores.passing_tagged,
        "passing_mention_rate": round(scores.passing_rate, 4),
        "mean_tags": round(scores.mean_tags, 3),
        "labelled_mean_tags": round(scores.labelled_mean_tags, 3),
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
        "overall": _group_dict(report.overall),
        "per_form": {s.name: _group_dict(s) for s in report.per_form},
        "per_language": {s.lang: _group_dict(s) for s in report.per_language},
        "per_language_form": {s.name: _group_dict(s) for s in report.per_language_form},
        "misclassified": [_miss_dict(m) for m in report.misclassified],
        "topic_errors": [_miss_dict(m) for m in report.topic_errors],
    }


def report_as_json(report: EvalReport) -> str:
    return json.dumps(report_as_dict(report), ensure_ascii=False, indent=2)


_GROUP_HEADER = (
    f"{'group':<11}{'articles':>9}{'rel P':>7}{'rel R':>7}{'rel F1':>7}{'off→rel':>9}"
    f"{'top P':>7}{'top R':>7}{'top F1':>7}{'passing':>12}{'tags':>6}{'(lab)':>6}"
)


def _group_line(s: GroupScores) -> str:
    r, t = s.relevance, s.topics
    passing = f"{s.passing_tagged}/{s.passing}" if s.passing else "-"
    return (
        f"{s.name:<11}{s.articles:>9}{r.precision:>7.3f}{r.recall:>7.3f}{r.f1:>7.3f}"
        f"{f'{r.fp}/{s.offbeat}':>9}{t.precision:>7.3f}{t.recall:>7.3f}{t.f1:>7.3f}{passing:>12}"
        f"{s.mean_tags:>6.2f}{s.labelled_mean_tags:>6.2f}"
    )


def _miss_line(m: Miss) -> str:
    extra = [f"{t} (passing)" if t in m.passing_tagged else t for t in m.extra_topics]
    parts = ([f"missing {', '.join(m.missing_topics)}"] if m.missing_topics else []) + (
        [f"extra {', '.join(extra)}"] if extra else []
    )
    return f"  {m.id}  {'; '.join(parts)}"


def format_report(report: EvalReport) -> str:
    """The report as text for a terminal."""
    rel, top, all_ = report.relevance, report.topics, report.overall
    lines = [
        f"classifier {report.classifier!r} on {report.articles} articles",
        f"relevance   P {rel.precision:.3f}  R {rel.recall:.3f}  F1 {rel.f1:.3f}"
        f"   (tp {rel.tp}, fp {rel.fp}, fn {rel.fn}, tn {rel.tn})",
        f"off-beat marked relevant  {rel.fp}/{all_.offbeat} ({all_.offbeat_relevant_rate:.1%})",
        f"topics      micro P {top.precision:.3f}  R {top.recall:.3f}  F1 {top.f1:.3f}"
        f"   macro F1 {report.topics_macro_f1:.3f}",
        f"passing mentions tagged  {all_.passing_tagged}/{all_.passing} ({all_.passing_rate:.1%})",
        f"tags per article  {all_.mean_tags:.2f} (labelled {all_.labelled_mean_tags:.2f})",
        "",
        f"{'topic':<22}{'P':>7}{'R':>7}{'F1':>7}{'support':>9}",
    ]
    for t in report.per_topic:
        c = t.counts
        lines.append(f"{t.topic:<22}{c.precision:>7.3f}{c.recall:>7.3f}{c.f1:>7.3f}{c.tp + c.fn:>9}")
    lines += [
        "",
        "by group (off→rel: off-beat marked relevant; passing: passing mentions tagged; tags: mean tags",
        "per relevant article, (lab) the labelled mean; topics on the articles labelled relevant)",
        _GROUP_HEADER,
    ]
    groups = (report.overall, *report.per_form, *report.per_language, *report.per_language_form)
    lines += [_group_line(s) for s in groups]
    lines += ["", f"misclassified ({len(report.misclassified)}):"]
    for m in report.misclassified:
        lines.append(
            f"  {m.id}  expected {'relevant' if m.expected_relevant else 'not relevant'} — {m.reason}"
        )
    lines += ["", f"topic errors ({len(report.topic_errors)}):"]
    lines += [_miss_line(m) for m in report.topic_errors]
    return "\n".join(lines)
