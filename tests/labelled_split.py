"""Shape checks shared by the held-out split tests (test_labelled_fresh6.py to test_labelled_fresh10.py).

They read the JSONL files of tests/data/classifier as plain data and never load the classifier,
so that checking a split's shape tells nothing about how the classifier does on it.
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
SPLITS = (
    "dev", "test", "fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7", "fresh8", "fresh9", "fresh10",
)  # fmt: skip


def load(split: str) -> list[dict[str, Any]]:
    lines = (LABELS / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def check_shape(split: str, letter: str) -> None:
    """Per language 6 full-length articles (4 relevant: 2 with one main topic and 2 with two, each
    with 1-2 passing topics; 2 off-beat) and 10 short reports (7 relevant, 3 off-beat); ids
    LANG-f<letter>NN and LANG-s<letter>NN."""
    records = load(split)
    assert Counter(r["lang"] for r in records) == {lang: 16 for lang in LANGS}
    for lang in LANGS:
        mine = [r for r in records if r["lang"] == lang]
        shape = Counter((r["form"], r["relevant"]) for r in mine)
        assert shape == {("full", True): 4, ("full", False): 2, ("short", True): 7, ("short", False): 3}, lang
        main_counts = Counter(len(r["topics"]) for r in mine if r["form"] == "full" and r["relevant"])
        assert main_counts == {1: 2, 2: 2}, f"{lang}: two articles with one main topic, two with two"
    for record in records:
        _check_record(record, letter)


def _check_record(record: dict[str, Any], letter: str) -> None:
    kind = "f" if record["form"] == "full" else "s"
    assert re.fullmatch(rf"{record['lang']}-{kind}{letter}\d\d", record["id"]), record["id"]
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


def check_stories(split: str, letter: str) -> None:
    """f<letter>01-04 are four stories, each written anew in every language: the main topics agree."""
    records = {r["id"]: r for r in load(split)}
    for number in ("01", "02", "03", "04"):
        told = [records[f"{lang}-f{letter}{number}"] for lang in LANGS]
        assert all(r["relevant"] and r["form"] == "full" for r in told), number
        assert len({tuple(sorted(r["topics"])) for r in told}) == 1, [(r["id"], r["topics"]) for r in told]


def check_new(split: str) -> None:
    """No id, headline or text of the split appears in an earlier split."""
    records = load(split)
    earlier = [r for other in SPLITS[: SPLITS.index(split)] for r in load(other)]
    assert not {r["id"] for r in records} & {r["id"] for r in earlier}
    assert len({r["id"] for r in records}) == len(records)
    assert not {r["title"] for r in records} & {r["title"] for r in earlier}
    assert not {r["text"] for r in records} & {r["text"] for r in earlier}


def check_rebuild(tmp_path: Path, expect: str) -> None:
    """build.py, run on a copy, writes every split byte for byte as committed."""
    copy = tmp_path / "classifier"
    shutil.copytree(LABELS, copy)
    done = subprocess.run(
        [sys.executable, str(copy / "build.py")], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert expect in done.stdout, done.stdout
    for split in SPLITS:
        name = f"{split}.jsonl"
        assert (copy / name).read_bytes() == (LABELS / name).read_bytes(), (
            f"{name} differs from build.py's output"
        )
