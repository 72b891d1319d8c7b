"""The held-out split fresh9 (tests/data/classifier/README.md, "The fresh9 split") and build.py.

These tests read the JSONL files as plain data: they never load or run the classifier, so that
checking the split's shape tells nothing about how the classifier does on it.
"""

from __future__ import annotations

from pathlib import Path

from kzfeed.models import TOPICS
from labelled_split import LANGS, check_new, check_rebuild, check_shape, check_stories, load


def test_the_fresh9_split_is_shaped_as_its_readme_says() -> None:
    """16 items per language with ids LANG-fsNN / LANG-ssNN (fresh8 has ft/st)."""
    check_shape("fresh9", "s")


def test_each_relevant_fresh9_story_is_told_in_all_five_languages_with_the_same_main_topics() -> None:
    check_stories("fresh9", "s")


def test_fresh9_full_length_articles_develop_energy_and_transport_which_fresh8_left_out() -> None:
    def full_topics(split: str) -> set[str]:
        return {t for r in load(split) if r["form"] == "full" for t in r["topics"]}

    assert not {"energy", "transport_logistics"} & full_topics("fresh8")
    assert {"energy", "transport_logistics"} <= full_topics("fresh9")


def test_every_topic_is_a_main_topic_somewhere_in_fresh9() -> None:
    assert {t for r in load("fresh9") for t in r["topics"]} == set(TOPICS)


def test_fresh9_short_reports_are_the_same_ten_event_types_in_every_language() -> None:
    """ssNN is one event type per number, written anew in each language: same labels everywhere."""
    records = {r["id"]: r for r in load("fresh9")}
    for number in range(1, 11):
        told = [records[f"{lang}-ss{number:02d}"] for lang in LANGS]
        labels = {(r["relevant"], tuple(r["topics"]), r.get("offbeat")) for r in told}
        assert len(labels) == 1, [(r["id"], r["topics"], r.get("offbeat")) for r in told]


def test_fresh9_ids_and_texts_are_new_across_every_split() -> None:
    check_new("fresh9")


def test_build_py_rebuilds_every_split_including_fresh9_unchanged(tmp_path: Path) -> None:
    """The JSONL files are what build.py makes of written/*.txt: edit a written file, rebuild."""
    check_rebuild(tmp_path, "fresh9.jsonl: 0 kept, 80 written")
