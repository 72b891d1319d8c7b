"""Scoring a classifier on labelled JSON Lines (kzfeed.classify._evaluate)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kzfeed.classify._evaluate import (
    Counts,
    LabelledArticle,
    article_form,
    evaluate,
    load_labels,
    main,
)
from kzfeed.classify._report import format_report, report_as_dict, report_as_json
from kzfeed.errors import InputError
from kzfeed.models import Classification, Document, TopicTag


def _line(**fields: object) -> str:
    record = {"id": "x", "lang": "en", "title": "T", "text": "Body.", "relevant": True, "topics": []}
    record.update(fields)
    return json.dumps(record, ensure_ascii=False)


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_labels_reads_records_and_skips_blank_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path, _line(id="a", topics=["energy", "energy"]), "", _line(id="b", lang=None, relevant=False)
    )
    records = load_labels(path)
    assert [r.id for r in records] == ["a", "b"]
    assert records[0].topics == ("energy",)
    assert records[1].lang is None and records[1].relevant is False
    assert records[0].document() == Document(guid="a", title="T", text="Body.", lang="en")
    assert records[0].document(with_lang=False).lang is None


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", r"labels.jsonl:2: not valid JSON"),
        ('["a list"]', r"labels.jsonl:2: expected a JSON object"),
        (_line(id="b", relevant="yes"), r"labels.jsonl:2: field 'relevant' must be bool"),
        (
            json.dumps({"id": "b", "lang": "en", "title": "T", "text": "x", "relevant": True}),
            r"labels.jsonl:2: missing field 'topics'",
        ),
        (_line(id="b", topics=[1]), r"labels.jsonl:2: field 'topics' must be a list of strings"),
        (_line(id="b", lang=3), r"labels.jsonl:2: field 'lang' must be a string or null"),
        (_line(id="a"), r"labels.jsonl:2: duplicate id 'a'"),
        (_line(id="b", passing_topics="energy"), r"labels.jsonl:2: field 'passing_topics' must be a list"),
        (
            _line(id="b", topics=["energy"], passing_topics=["energy"]),
            r"labels.jsonl:2: 'energy' is in both 'topics' and 'passing_topics'",
        ),
        (_line(id="b", form="long"), r"labels.jsonl:2: field 'form' must be one of full, short, medium"),
    ],
)
def test_a_bad_line_is_an_input_error_naming_its_line(tmp_path: Path, bad: str, message: str) -> None:
    path = _write(tmp_path, _line(id="a"), bad)
    with pytest.raises(InputError, match=message) as caught:
        load_labels(path)
    assert "\n" not in str(caught.value)


def test_an_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read labels file"):
        load_labels(tmp_path / "missing.jsonl")
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes(_line(title="Société").encode("latin-1"))
    with pytest.raises(InputError, match="cannot read labels file"):
        load_labels(latin1)


class Scripted:
    """A classifier that answers what the test tells it to, by article id."""

    name = "scripted"

    def __init__(self, answers: dict[str, tuple[bool, tuple[str, ...]]]) -> None:
        self.answers = answers
        self.langs: list[str | None] = []

    def classify(self, document: Document) -> Classification:
        self.langs.append(document.lang)
        relevant, topics = self.answers[document.id or ""]
        return Classification(
            relevant=relevant,
            relevance=1.0 if relevant else 0.0,
            topics=tuple(TopicTag(topic=t, score=1.0) for t in topics),
            reason="scripted",
        )


def _article(id: str, lang: str, relevant: bool, topics: tuple[str, ...] = ()) -> LabelledArticle:
    return LabelledArticle(id=id, lang=lang, title="T", text="x", relevant=relevant, topics=topics)


RECORDS = [
    _article("en-1", "en", True, ("energy", "trade_investment")),  # tp; topics: 1 tp, 1 fn, 1 fp
    _article("en-2", "en", True, ("energy",)),  # fn; topics still scored: 1 tp
    _article("fr-1", "fr", False),  # fp; topics of negatives are not scored
    _article("fr-2", "fr", False),  # tn
    _article("fr-3", "fr", True, ("security",)),  # tp; topics exact
]
ANSWERS = {
    "en-1": (True, ("energy", "raw_materials")),
    "en-2": (False, ("energy",)),
    "fr-1": (True, ("energy",)),
    "fr-2": (False, ()),
    "fr-3": (True, ("security",)),
}


def test_evaluate_counts_relevance_and_topics() -> None:
    report = evaluate(Scripted(ANSWERS), RECORDS)
    assert report.classifier == "scripted" and report.articles == 5
    assert report.relevance == Counts(tp=2, fp=1, fn=1, tn=1)
    assert report.relevance.precision == pytest.approx(2 / 3)
    assert report.relevance.recall == pytest.approx(2 / 3)
    assert report.relevance.f1 == pytest.approx(2 / 3)
    # topics on the three articles labelled relevant: energy tp x2, security tp, trade fn, raw fp
    assert report.topics == Counts(tp=3, fp=1, fn=1)
    assert report.topics_micro_f1 == pytest.approx(0.75)
    per_topic = {t.topic: t.counts.f1 for t in report.per_topic}
    assert per_topic == {"energy": 1.0, "raw_materials": 0.0, "security": 1.0, "trade_investment": 0.0}
    assert report.topics_macro_f1 == pytest.approx(0.5)
    langs = {s.lang: s for s in report.per_language}
    assert langs["en"].articles == 2 and langs["en"].relevance == Counts(tp=1, fn=1)
    assert langs["fr"].relevance == Counts(tp=1, fp=1, tn=1) and langs["fr"].topics.f1 == 1.0
    assert [m.id for m in report.misclassified] == ["en-2", "fr-1"]
    (error,) = report.topic_errors
    assert (error.id, error.missing_topics, error.extra_topics) == (
        "en-1",
        ("trade_investment",),
        ("raw_materials",),
    )


def test_evaluate_can_withhold_the_labelled_language() -> None:
    scripted = Scripted(ANSWERS)
    evaluate(scripted, RECORDS, with_lang=False)
    assert scripted.langs == [None] * len(RECORDS)
    evaluate(scripted, RECORDS)
    assert scripted.langs[-1] == "fr"


def test_counts_with_nothing_to_find_are_perfect_and_misses_are_zero() -> None:
    assert Counts(tn=3).f1 == 1.0
    assert Counts(fn=2).precision == 0.0 and Counts(fn=2).f1 == 0.0
    assert Counts(fp=2).recall == 0.0
    assert Counts(tp=1) + Counts(fp=1) == Counts(tp=1, fp=1)


def test_the_report_reads_as_text_and_as_json() -> None:
    report = evaluate(Scripted(ANSWERS), RECORDS)
    text = format_report(report)
    assert "relevance   P 0.667  R 0.667  F1 0.667" in text
    assert "macro F1 0.500" in text
    assert "  en-2  expected relevant — scripted" in text
    assert "  en-1  missing trade_investment; extra raw_materials" in text
    data = json.loads(report_as_json(report))
    assert data == report_as_dict(report)
    assert data["relevance"]["f1"] == 0.6667 and data["topics"]["micro"]["f1"] == 0.75
    assert data["per_language"]["fr"]["relevance"]["tn"] == 1
    assert [m["id"] for m in data["misclassified"]] == ["en-2", "fr-1"]


def test_main_scores_the_keywords_classifier(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(
        tmp_path,
        _line(id="pos", title="Kazakhstan and the EU sign raw materials deal",
              text="The European Union and Kazakhstan signed a deal on lithium and rare earths.",
              topics=["raw_materials"]),
        _line(id="neg", title="Kazakhstan and China open a railway", text="Kazakhstan and China opened a border railway.",
              relevant=False),
    )  # fmt: skip
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "classifier 'keywords' on 2 articles" in out and "F1 1.000" in out
    assert main([str(path), "--json", "--detect-language"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["relevance"]["tp"] == 1 and data["relevance"]["tn"] == 1


def test_main_turns_a_bad_file_into_one_line_and_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, _line(id="a"), "oops")
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "labels.jsonl:2: not valid JSON" in err and err.count("\n") == 1


def test_the_form_of_an_article_comes_from_its_label_or_its_length(tmp_path: Path) -> None:
    assert article_form("One. Two. Three. Four.") == "short"
    assert article_form("One. Two. Three. Four. Five.") == "medium"
    assert article_form("A sentence that goes on. " * 70) == "full"
    path = _write(tmp_path, _line(id="a", text="One. Two."), _line(id="b", text="One.", form="medium"))
    assert [r.form for r in load_labels(path)] == ["short", "medium"]


def _with(article: LabelledArticle, **changes: object) -> LabelledArticle:
    from dataclasses import replace

    return replace(article, **changes)  # type: ignore[arg-type]


def test_passing_mentions_and_tags_per_article_are_reported_by_language_and_form() -> None:
    records = [
        # about energy, trade only mentioned: tagging trade is a passing mention tagged
        _with(_article("en-1", "en", True, ("energy",)), passing_topics=("trade_investment",), form="full"),
        # about security, energy mentioned and not tagged
        _with(_article("en-2", "en", True, ("security",)), passing_topics=("energy",), form="short"),
        _with(_article("fr-1", "fr", False), form="full"),
    ]
    answers = {
        "en-1": (True, ("energy", "trade_investment", "raw_materials")),
        "en-2": (True, ("security",)),
        "fr-1": (True, ("energy",)),
    }
    report = evaluate(Scripted(answers), records)
    overall = report.overall
    assert (overall.passing, overall.passing_tagged, overall.passing_rate) == (2, 1, 0.5)
    assert overall.mean_tags == 2.0 and overall.labelled_mean_tags == 1.0
    assert (overall.offbeat, overall.relevance.fp, overall.offbeat_relevant_rate) == (1, 1, 1.0)
    full, short = report.group("full"), report.group("short")
    assert full.articles == 2 and full.passing_rate == 1.0 and full.mean_tags == 3.0
    assert short.articles == 1 and short.passing_rate == 0.0 and short.topics.f1 == 1.0
    assert report.group("en/full").topics == Counts(tp=1, fp=2)
    assert report.group("fr").relevance == Counts(fp=1) and report.group("de").articles == 0
    (miss,) = report.topic_errors
    assert miss.passing_tagged == ("trade_investment",)
    text = format_report(report)
    assert "passing mentions tagged  1/2 (50.0%)" in text
    assert "tags per article  2.00 (labelled 1.00)" in text
    assert "off-beat marked relevant  1/1 (100.0%)" in text
    assert "extra raw_materials, trade_investment (passing)" in text
    assert any(line.startswith("en/full ") for line in text.splitlines())
    data = report_as_dict(report)
    assert data["per_form"]["full"]["passing_mention_rate"] == 1.0
    assert data["per_language_form"]["en/short"]["mean_tags"] == 1.0
    assert data["overall"]["labelled_mean_tags"] == 1.0
