"""Score the story grouping on labelled reports: B-cubed precision, recall and F1, and the wrong
merges and splits.

A labels file has one JSON object a line: ``id``, ``event`` (the gold label: reports of one event
share it), ``lang``, ``outlet``, ``title``, ``text`` and ``published`` (ISO 8601 with a time zone).
The reports are grouped in the order they were published, as a run of kzfeed would see them,
after the given ``classify`` function has found their entities and topics.

B-cubed (Bagga and Baldwin, 1998): for each report, precision is the share of its predicted
story that belongs to its event, recall the share of its event that is in its predicted story;
both are averaged over the reports.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from kzfeed.errors import InputError
from kzfeed.jsonlines import json_objects
from kzfeed.models import ArticleText, Classification, Item, RawItem
from kzfeed.stories._dedupe import StoryIndex, assign_stories

__all__ = [
    "LabelledReport",
    "StoryEval",
    "bcubed",
    "evaluate_stories",
    "format_story_eval",
    "load_story_labels",
    "score_grouping",
]

_FIELDS = ("id", "event", "title", "text", "published")


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelledReport:
    """One line of a story labels file."""

    id: str
    event: str
    lang: str | None
    outlet: str | None
    title: str
    text: str
    published: datetime

    def item(self, classification: Classification | None = None) -> Item:
        digest = hashlib.sha256(f"{self.title}\n{self.text}".encode()).hexdigest()
        article = RawItem.kept(
            guid=self.id,
            title=self.title,
            text=self.text,
            outlet=self.outlet,
            published=self.published,
            lang=self.lang,
        )
        return Item(
            id=self.id,
            source=self.outlet or self.id,
            article=article,
            content_hash=digest,
            first_seen=self.published,
            classification=classification,
        )


def _report(raw: dict[str, object], where: str) -> LabelledReport:
    for key in _FIELDS:
        if not isinstance(raw.get(key), str) or not str(raw.get(key)).strip():
            problem = "missing field" if key not in raw else "a non-empty string is needed in field"
            raise InputError(f"{where}: {problem} {key!r}")
    for key in ("lang", "outlet"):
        if raw.get(key) is not None and not isinstance(raw.get(key), str):
            raise InputError(f"{where}: field {key!r} must be a string or null")
    try:
        published = datetime.fromisoformat(str(raw["published"]))
    except ValueError:
        raise InputError(
            f"{where}: field 'published' is not an ISO 8601 date ({raw['published']!r}); "
            "write e.g. 2024-11-27T15:00:00+00:00"
        ) from None
    if published.tzinfo is None:
        raise InputError(f"{where}: field 'published' needs a time zone, e.g. {published.isoformat()}+00:00")
    return LabelledReport(
        id=str(raw["id"]),
        event=str(raw["event"]),
        lang=raw.get("lang"),  # type: ignore[arg-type]
        outlet=raw.get("outlet"),  # type: ignore[arg-type]
        title=str(raw["title"]),
        text=str(raw["text"]),
        published=published,
    )


def load_story_labels(path: str | Path) -> list[LabelledReport]:
    """Read a story labels file. Raises ``InputError`` naming the file and line of a bad one."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the labels ({exc}); give a UTF-8 JSON Lines file") from exc
    reports: list[LabelledReport] = []
    seen: set[str] = set()
    for number, raw in json_objects(lines, str(path), expected=", ".join(_FIELDS)):
        where = f"{path}:{number}"
        report = _report(raw, where)
        if report.id in seen:
            raise InputError(f"{where}: id {report.id!r} is used twice; ids must be unique")
        seen.add(report.id)
        reports.append(report)
    if not reports:
        raise InputError(f"{path}: no labelled reports in the file")
    return reports


def bcubed(gold: Mapping[str, str], predicted: Mapping[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of the clustering ``predicted`` (report -> cluster)
    against ``gold`` (report -> event), over the reports of ``gold``."""
    if not gold:
        return 1.0, 1.0, 1.0
    by_event: dict[str, set[str]] = defaultdict(set)
    by_cluster: dict[str, set[str]] = defaultdict(set)
    for report, event in gold.items():
        by_event[event].add(report)
        by_cluster[predicted.get(report, f"\0{report}")].add(report)
    precision = recall = 0.0
    for report, event in gold.items():
        cluster = by_cluster[predicted.get(report, f"\0{report}")]
        same = len(cluster & by_event[event])
        precision += same / len(cluster)
        recall += same / len(by_event[event])
    precision, recall = precision / len(gold), recall / len(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass(frozen=True, slots=True, kw_only=True)
class StoryEval:
    """What ``evaluate_stories`` found."""

    reports: int
    events: int
    stories: int
    precision: float
    recall: float
    f1: float
    #: predicted stories holding reports of more than one event: the events and their reports
    wrong_merges: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...]
    #: events spread over more than one predicted story: the event and its reports per story
    splits: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]
    #: per language pair of the reports of one event: (pairs grouped, pairs in all)
    pairs: Mapping[str, tuple[int, int]]


def evaluate_stories(
    reports: Sequence[LabelledReport],
    classify: Callable[[ArticleText], Classification] | None = None,
) -> StoryEval:
    """Group ``reports`` as kzfeed would (in publication order, after ``classify``) and score it."""
    items = []
    for report in sorted(reports, key=lambda r: (r.published, r.id)):
        classification = None
        if classify is not None:
            classification = classify(report)
        items.append(report.item(classification))
    assigned = assign_stories([replace(i, story_id=None) for i in items], StoryIndex())
    predicted = {i.id: i.story_id or i.id for i in assigned}
    gold = {r.id: r.event for r in reports}
    return score_grouping(reports, gold, predicted)


def score_grouping(
    reports: Iterable[LabelledReport], gold: Mapping[str, str], predicted: Mapping[str, str]
) -> StoryEval:
    """The scores, wrong merges and splits of ``predicted`` against ``gold``."""
    precision, recall, f1 = bcubed(gold, predicted)
    clusters: dict[str, list[str]] = defaultdict(list)
    events: dict[str, list[str]] = defaultdict(list)
    for report, event in gold.items():
        clusters[predicted.get(report, report)].append(report)
        events[event].append(report)
    merges = []
    for members in clusters.values():
        by_event: dict[str, list[str]] = defaultdict(list)
        for report in members:
            by_event[gold[report]].append(report)
        if len(by_event) > 1:
            merges.append(tuple((e, tuple(sorted(r))) for e, r in sorted(by_event.items())))
    splits = []
    for event, members in sorted(events.items()):
        parts: dict[str, list[str]] = defaultdict(list)
        for report in members:
            parts[predicted.get(report, report)].append(report)
        if len(parts) > 1:
            splits.append((event, tuple(sorted(tuple(sorted(p)) for p in parts.values()))))
    lang = {r.id: r.lang or "?" for r in reports}
    pairs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for members in events.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                key = "-".join(sorted((lang[a], lang[b])))
                pairs[key][1] += 1
                pairs[key][0] += predicted.get(a, a) == predicted.get(b, b)
    return StoryEval(
        reports=len(gold),
        events=len(events),
        stories=len(clusters),
        precision=precision,
        recall=recall,
        f1=f1,
        wrong_merges=tuple(sorted(merges)),
        splits=tuple(splits),
        pairs={k: (v[0], v[1]) for k, v in sorted(pairs.items())},
    )


def format_story_eval(result: StoryEval) -> str:
    """The report a person reads: scores, then every wrong merge and split with report ids."""
    lines = [
        f"reports: {result.reports}  events: {result.events}  stories found: {result.stories}",
        f"B-cubed precision {result.precision:.3f}  recall {result.recall:.3f}  F1 {result.f1:.3f}",
        "same-event pairs grouped, by languages: "
        + "  ".join(f"{k} {g}/{n}" for k, (g, n) in result.pairs.items()),
        f"wrong merges: {len(result.wrong_merges)}",
    ]
    for merge in result.wrong_merges:
        lines.append("  one story holds " + " + ".join(f"{e} [{', '.join(r)}]" for e, r in merge))
    lines.append(f"splits: {len(result.splits)}")
    for event, parts in result.splits:
        lines.append(f"  {event} in {len(parts)} stories: " + " | ".join(", ".join(p) for p in parts))
    return "\n".join(lines)
