"""The held-out split fresh8 (tests/data/classifier/README.md, "The fresh8 split") and build.py.

These tests read the JSONL files as plain data: they never load or run the classifier, so that
checking the split's shape tells nothing about how the classifier does on it.
"""

from __future__ import annotations

from pathlib import Path

from labelled_split import check_new, check_rebuild, check_shape, check_stories, load


def test_the_fresh8_split_is_shaped_as_its_readme_says() -> None:
    """16 items per language with ids LANG-ftNN / LANG-stNN (fresh5 has fw/sw, fresh7 fu/su)."""
    check_shape("fresh8", "t")


def test_each_relevant_fresh8_story_is_told_in_all_five_languages_with_the_same_main_topics() -> None:
    check_stories("fresh8", "t")


def test_fresh8_full_length_articles_have_the_topics_fresh7_left_to_short_reports() -> None:
    """Trade, security, rule of law and political dialogue are main topics of full-length articles."""
    full_topics = {t for r in load("fresh8") if r["form"] == "full" for t in r["topics"]}
    assert {"trade_investment", "security", "rule_of_law", "political_dialogue"} <= full_topics


def test_fresh8_short_reports_are_of_other_event_types_than_fresh7() -> None:
    """fresh7's ten short report types had no raw materials, no trade deal on its own and no culture
    without security; fresh8's have each, and no fresh8 short report has a two-topic label of fresh7."""

    def labels(split: str) -> set[tuple[str, ...]]:
        return {tuple(sorted(r["topics"])) for r in load(split) if r["form"] == "short" and r["relevant"]}

    fresh7, fresh8 = labels("fresh7"), labels("fresh8")
    assert {("raw_materials",), ("trade_investment",), ("education_culture",)} <= fresh8 - fresh7
    assert not {topics for topics in fresh8 & fresh7 if len(topics) > 1}


def test_fresh8_ids_and_texts_are_new_across_every_split() -> None:
    check_new("fresh8")


def test_build_py_rebuilds_every_split_including_fresh8_unchanged(tmp_path: Path) -> None:
    """The JSONL files are what build.py makes of written/*.txt: edit a written file, rebuild."""
    check_rebuild(tmp_path, "fresh8.jsonl: 0 kept, 80 written")
