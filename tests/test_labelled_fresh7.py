"""The held-out split fresh7 (tests/data/classifier/README.md, "The fresh7 split") and build.py.

These tests read the JSONL files as plain data: they never load or run the classifier, so that
checking the split's shape tells nothing about how the classifier does on it.
"""

from __future__ import annotations

from pathlib import Path

from labelled_split import check_new, check_rebuild, check_shape, check_stories, load


def test_the_fresh7_split_is_shaped_as_its_readme_says() -> None:
    """16 items per language with ids LANG-fuNN / LANG-suNN (fresh5 has fw/sw)."""
    check_shape("fresh7", "u")


def test_each_relevant_fresh7_story_is_told_in_all_five_languages_with_the_same_main_topics() -> None:
    check_stories("fresh7", "u")


def test_fresh7_full_length_articles_have_the_topics_fresh6_left_to_short_reports() -> None:
    """Raw materials, environment, education and energy are main topics of full-length articles."""
    full_topics = {t for r in load("fresh7") if r["form"] == "full" for t in r["topics"]}
    assert {"raw_materials", "environment_climate", "education_culture", "energy"} <= full_topics


def test_fresh7_ids_and_texts_are_new_across_every_split() -> None:
    check_new("fresh7")


def test_build_py_rebuilds_every_split_including_fresh7_unchanged(tmp_path: Path) -> None:
    """The JSONL files are what build.py makes of written/*.txt: edit a written file, rebuild."""
    check_rebuild(tmp_path, "fresh7.jsonl: 0 kept, 80 written")
