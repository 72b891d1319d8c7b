"""The held-out split fresh6 (tests/data/classifier/README.md, "The fresh6 split") and build.py.

These tests read the JSONL files as plain data: they never load or run the classifier, so that
checking the split's shape tells nothing about how the classifier does on it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from kzfeed.models import TOPICS

LABELS = Path(__file__).resolve().parent / "data" / "classifier"
LANGS = ("en", "fr", "de", "ru", "kk")
EARLIER = ("dev", "test", "fresh", "fresh2", "fresh3", "fresh4", "fresh5")


def _load(split: str) -> list[dict[str, Any]]:
    lines = (LABELS / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_the_fresh6_split_is_shaped_as_its_readme_says() -> None:
    """Per language 6 full-length articles (4 relevant: 2 with one main topic and 2 with two, each
    with 1-2 passing topics; 2 off-beat) and 10 short reports (7 relevant, 3 off-beat)."""
    fresh6 = _load("fresh6")
    assert Counter(r["lang"] for r in fresh6) == {lang: 16 for lang in LANGS}
    for lang in LANGS:
        mine = [r for r in fresh6 if r["lang"] == lang]
        shape = Counter((r["form"], r["relevant"]) for r in mine)
        assert shape == {("full", True): 4, ("full", False): 2, ("short", True): 7, ("short", False): 3}, lang
        main_counts = Counter(len(r["topics"]) for r in mine if r["form"] == "full" and r["relevant"])
        assert main_counts == {1: 2, 2: 2}, f"{lang}: two articles with one main topic, two with two"
    for record in fresh6:
        kind = "f" if record["form"] == "full" else "s"
        assert re.fullmatch(rf"{record['lang']}-{kind}v\d\d", record["id"]), record["id"]
        assert record["title"], record["id"]
        topics, passing = set(record["topics"]), set(record["passing_topics"])
        assert topics | passing <= set(TOPICS), record["id"]
        assert not topics & passing, record["id"]
        if record["form"] == "full":
            assert 1500 <= len(record["text"]) <= 5000, record["id"]
            assert record["text"].count("\n\n") >= 4, f"{record['id']}: paragraphs"
        else:
            sentences = re.findall(r"[.!?…](?=[\s\"»“”)]|$)", record["text"])
            assert 1 <= len(sentences) <= 4, f"{record['id']}: 1-4 sentences"
        if record["relevant"]:
            assert 1 <= len(topics) <= 2, record["id"]
            if record["form"] == "full":
                assert 1 <= len(passing) <= 2, f"{record['id']}: written with 1-2 passing topics"
        else:
            assert not topics and not passing and record["offbeat"], record["id"]


def test_each_relevant_fresh6_story_is_told_in_all_five_languages_with_the_same_main_topics() -> None:
    """fv01-fv04 are four stories, each written anew in every language: the main topics agree."""
    fresh6 = {r["id"]: r for r in _load("fresh6")}
    for number in ("01", "02", "03", "04"):
        told = [fresh6[f"{lang}-fv{number}"] for lang in LANGS]
        assert all(r["relevant"] for r in told), number
        assert len({tuple(sorted(r["topics"])) for r in told}) == 1, [(r["id"], r["topics"]) for r in told]


def test_fresh6_ids_and_texts_are_new_across_every_split() -> None:
    fresh6 = _load("fresh6")
    earlier = [r for split in EARLIER for r in _load(split)]
    assert not {r["id"] for r in fresh6} & {r["id"] for r in earlier}
    assert len({r["id"] for r in fresh6}) == len(fresh6)
    assert not {r["title"] for r in fresh6} & {r["title"] for r in earlier}


def test_build_py_rebuilds_every_split_from_the_written_files_unchanged(tmp_path: Path) -> None:
    """The JSONL files are what build.py makes of written/*.txt: edit a written file, rebuild."""
    copy = tmp_path / "classifier"
    shutil.copytree(LABELS, copy)
    done = subprocess.run(
        [sys.executable, str(copy / "build.py")], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "fresh6.jsonl: 0 kept, 80 written" in done.stdout, done.stdout
    for split in (*EARLIER, "fresh6"):
        name = f"{split}.jsonl"
        assert (copy / name).read_bytes() == (LABELS / name).read_bytes(), (
            f"{name} differs from build.py's output"
        )
