"""The held-out split fresh10 (tests/data/classifier/README.md, "The fresh10 split") and build.py.

These tests read the JSONL files as plain data: they never load or run the classifier, so that
checking the split's shape tells nothing about how the classifier does on it.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from kzfeed.models import TOPICS
from labelled_split import LANGS, check_new, check_rebuild, check_shape, check_stories, load


def test_the_fresh10_split_is_shaped_as_its_readme_says() -> None:
    """16 items per language with ids LANG-frNN / LANG-srNN (fresh9 has fs/ss, fresh8 ft/st)."""
    check_shape("fresh10", "r")


def test_each_relevant_fresh10_story_is_told_in_all_five_languages_with_the_same_main_topics() -> None:
    check_stories("fresh10", "r")


def test_every_topic_is_a_main_topic_and_energy_and_transport_are_main_topics_of_full_articles() -> None:
    """fresh8 had energy and transport_logistics as main topics of no item; fresh10 has every topic,
    and those two as main topics of full-length articles."""
    records = load("fresh10")
    assert {t for r in records for t in r["topics"]} == set(TOPICS)
    full_topics = {t for r in records if r["form"] == "full" for t in r["topics"]}
    assert {"energy", "transport_logistics"} <= full_topics


def test_fresh10_short_reports_are_the_same_ten_reports_in_every_language() -> None:
    """srNN is one event type written anew in each language: same relevance, label and off-beat kind."""
    told: dict[str, set[tuple[object, ...]]] = defaultdict(set)
    for record in load("fresh10"):
        if record["form"] == "short":
            number = record["id"].split("-sr")[1]
            told[number].add((record["relevant"], tuple(sorted(record["topics"])), record.get("offbeat")))
    assert sorted(told) == [f"{n:02d}" for n in range(1, 11)]
    assert all(len(labels) == 1 for labels in told.values()), dict(told)
    ids = {r["id"] for r in load("fresh10") if r["form"] == "short"}
    assert ids == {f"{lang}-sr{n:02d}" for lang in LANGS for n in range(1, 11)}


def test_fresh10_ids_and_texts_are_new_across_every_split() -> None:
    check_new("fresh10")


def test_build_py_rebuilds_every_split_including_fresh10_unchanged(tmp_path: Path) -> None:
    """The JSONL files are what build.py makes of written/*.txt: edit a written file, rebuild."""
    check_rebuild(tmp_path, "fresh10.jsonl: 0 kept, 80 written")
