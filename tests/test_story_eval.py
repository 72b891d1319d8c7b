"""The story grouping's evaluator and its labelled set (tests/data/stories/*.jsonl)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import CliResult
from kzfeed.errors import InputError
from kzfeed.stories import bcubed, load_story_labels, score_grouping

Kz = Callable[..., CliResult]
DATA = Path(__file__).parent / "data" / "stories" / "labelled"


def test_bcubed_matches_a_hand_computed_example() -> None:
    gold = {"a": "e1", "b": "e1", "c": "e2"}
    # a and c wrongly together, b split off: precision (1/2 + 1 + 1/2)/3, recall (1/2 + 1/2 + 1)/3
    p, r, f = bcubed(gold, {"a": "x", "b": "y", "c": "x"})
    assert (round(p, 4), round(r, 4), round(f, 4)) == (0.6667, 0.6667, 0.6667)
    assert bcubed(gold, {"a": "x", "b": "x", "c": "z"}) == (1.0, 1.0, 1.0)
    singletons = bcubed(gold, {})  # nothing grouped: every report its own story
    assert singletons[0] == 1.0 and round(singletons[1], 4) == 0.6667


def test_score_grouping_names_wrong_merges_and_splits() -> None:
    reports = load_story_labels(DATA / "dev.jsonl")
    gold = {r.id: r.event for r in reports}
    predicted = {r.id: r.event for r in reports}
    predicted["csto24-en"] = "putin-astana-2024"  # one CSTO report taken for the state visit
    result = score_grouping(reports, gold, predicted)
    assert result.precision < 1.0 and result.recall < 1.0
    assert len(result.wrong_merges) == 1
    (merge,) = result.wrong_merges
    assert dict(merge)["csto-astana-2024"] == ("csto24-en",)
    assert [event for event, _ in result.splits] == ["csto-astana-2024"]


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = {"id": "a", "event": "e", "title": "T", "text": "x", "published": "2024-01-01T00:00:00+00:00"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "labels.jsonl:1: not valid JSON"),
        (
            json.dumps({**GOOD, "event": None}),
            "labels.jsonl:1: a non-empty string is needed in field 'event'",
        ),
        (json.dumps({k: v for k, v in GOOD.items() if k != "published"}), "missing field 'published'"),
        (json.dumps({**GOOD, "published": "2024-01-01"}), "needs a time zone"),
        (json.dumps({**GOOD, "published": "yesterday"}), "not an ISO 8601 date"),
    ],
)
def test_bad_labels_are_one_line_errors_naming_the_line(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        load_story_labels(_write(tmp_path, line))


def test_a_duplicate_id_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=re.escape("labels.jsonl:2: id 'a' is used twice")):
        load_story_labels(_write(tmp_path, json.dumps(GOOD), json.dumps(GOOD)))


def test_the_labelled_set_has_what_the_issue_asks_for() -> None:
    dev, held_out = load_story_labels(DATA / "dev.jsonl"), load_story_labels(DATA / "test.jsonl")
    assert not {r.event for r in dev} & {r.event for r in held_out}  # held-out events are unseen
    fresh = load_story_labels(DATA / "fresh.jsonl")
    assert not {r.event for r in fresh} & {r.event for r in dev + held_out}
    events = defaultdict(list)
    for report in dev + held_out + fresh:
        events[report.event].append(report)
    assert len(events) >= 15
    for event, reports in events.items():
        langs = {r.lang for r in reports}
        assert len(langs) >= 3 and langs <= {"en", "fr", "ru", "de", "kk"}, event
        assert len({(r.lang, r.outlet) for r in reports}) >= 3, event
    # hard negatives: events published within two days of another event in the same file
    for split in (dev, held_out, fresh):
        first = {r.event: min(x.published for x in split if x.event == r.event) for r in split}
        close = [
            (a, b) for a in first for b in first if a < b and abs(first[a] - first[b]) <= timedelta(days=2)
        ]
        assert close, "no hard negative close in time"
    # same-language near-duplicates: two reports of one event in one language
    assert any(len([r for r in rs if r.lang == lang]) >= 2 for rs in events.values() for lang in ("en", "ru"))


def test_eval_stories_prints_bcubed_scores_merges_and_splits(kzfeed: Kz, project: Path) -> None:
    result = kzfeed("eval", "--stories", str(DATA / "dev.jsonl"))
    assert result.exit_code == 0, result.stderr
    assert "B-cubed precision" in result.stdout and "F1" in result.stdout
    assert "wrong merges:" in result.stdout and "splits:" in result.stdout
    as_json = json.loads(kzfeed("eval", "--json", "--stories", str(DATA / "dev.jsonl")).stdout)
    assert as_json["reports"] == 43 and 0.0 <= as_json["f1"] <= 1.0


def test_eval_stories_bad_file_and_both_kinds_of_labels_are_usage_errors(kzfeed: Kz, project: Path) -> None:
    (project / "bad.jsonl").write_text('{"id": "a"}\n', encoding="utf-8")
    bad = kzfeed("eval", "--stories", "bad.jsonl")
    assert bad.exit_code == 2 and "bad.jsonl:1: missing field 'event'" in bad.stderr
    both = kzfeed("eval", "x.jsonl", "--stories", "bad.jsonl")
    assert both.exit_code == 2 and "not both" in both.stderr
