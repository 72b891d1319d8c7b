"""The held-out split fresh6 (tests/data/classifier/README.md, "The fresh6 split") and build.py.

These tests read the JSONL files as plain data: they never load or run the classifier, so that
checking the split's shape tells nothing about how the classifier does on it.
"""

from __future__ import annotations

from pathlib import Path

from labelled_split import check_new, check_rebuild, check_shape, check_stories


def test_the_fresh6_split_is_shaped_as_its_readme_says() -> None:
    check_shape("fresh6", "v")


def test_each_relevant_fresh6_story_is_told_in_all_five_languages_with_the_same_main_topics() -> None:
    check_stories("fresh6", "v")


def test_fresh6_ids_and_texts_are_new_across_every_split() -> None:
    check_new("fresh6")


def test_build_py_rebuilds_every_split_from_the_written_files_unchanged(tmp_path: Path) -> None:
    """The JSONL files are what build.py makes of written/*.txt: edit a written file, rebuild."""
    check_rebuild(tmp_path, "fresh6.jsonl: 0 kept, 80 written")
