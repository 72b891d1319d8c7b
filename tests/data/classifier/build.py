"""Add the hand-written articles in ``written/*.txt`` to the split files (``dev.jsonl``, ``test.jsonl``, ``fresh*.jsonl``).

    python tests/data/classifier/build.py

Each article in a ``written/LANG.txt`` file starts with a header line, then the headline, then the
text (paragraphs separated by blank lines; site furniture lines are kept as written):

    ### en-f01 dev yes energy,trade_investment ~political_dialogue
    ### en-s14 test no kz-china

``dev``/``test`` is the split, ``yes``/``no`` whether it is relevant; a relevant article lists the
topics it is about, then after ``~`` the topics it only mentions in passing; an off-beat one names
its kind (see README.md). Lines of the two files whose id is not in ``written/`` (the first set)
are kept as they are; the written ones are replaced, so running this twice changes nothing.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPLITS = (
    "dev", "test", "fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7", "fresh8", "fresh9", "fresh10",
)  # fmt: skip
TOPICS = {
    "raw_materials", "energy", "transport_logistics", "trade_investment", "political_dialogue",
    "security", "education_culture", "environment_climate", "rule_of_law",
}  # fmt: skip
OFFBEAT = {
    "kz-china", "kz-russia", "kz-us", "kz-other", "eu-uzbekistan", "eu-centralasia", "kz-domestic",
    "lithium-chile", "eu-only", "sport", "tech", "world",
}  # fmt: skip
FULL_MIN, FULL_MAX = 1500, 5000
_HEADER = re.compile(r"^### (\S+) (dev|test|fresh\d*) (yes|no) (\S+)(?: ~(\S+))?\s*$")


def _topics(field: str | None, where: str) -> list[str]:
    names = [t for t in (field or "").split(",") if t]
    unknown = set(names) - TOPICS
    if unknown:
        raise SystemExit(f"{where}: unknown topic {sorted(unknown)[0]!r}")
    return names


def parse(path: Path) -> list[tuple[str, dict[str, object]]]:
    """(split, record) for each article in one written file."""
    lang = path.stem
    out: list[tuple[str, dict[str, object]]] = []
    chunks = re.split(r"(?m)^(?=### )", path.read_text(encoding="utf-8"))
    for chunk in chunks:
        if not chunk.strip() or not chunk.startswith("### "):
            continue
        header, _, rest = chunk.partition("\n")
        match = _HEADER.match(header)
        if not match:
            raise SystemExit(f"{path.name}: bad header {header!r}")
        id_, split, relevant, what, passing = match.groups()
        if split not in SPLITS:
            raise SystemExit(f"{id_}: unknown split {split!r}, add it to SPLITS in build.py")
        title, _, text = rest.strip().partition("\n")
        text = re.sub(r"\n{3,}", "\n\n", text.strip())
        record: dict[str, object] = {"id": id_, "lang": lang, "title": title.strip(), "text": text}
        if relevant == "yes":
            record |= {
                "relevant": True,
                "topics": _topics(what, id_),
                "passing_topics": _topics(passing, id_),
            }
        else:
            if what not in OFFBEAT:
                raise SystemExit(f"{id_}: unknown off-beat kind {what!r}")
            record |= {
                "relevant": False,
                "topics": [],
                "passing_topics": _topics(passing, id_),
                "offbeat": what,
            }
        record["form"] = form(text, id_)
        out.append((split, record))
    return out


def form(text: str, where: str) -> str:
    if len(text) >= FULL_MIN:
        if len(text) > FULL_MAX:
            raise SystemExit(f"{where}: {len(text)} characters, a full-length article has at most {FULL_MAX}")
        return "full"
    sentences = len(re.findall(r"[.!?…](?=[\s\"»“”)]|$)", text))
    if sentences > 4 or "-s" not in where:
        raise SystemExit(f"{where}: {len(text)} characters and {sentences} sentences: neither full nor short")
    return "short"


def main() -> int:
    written: dict[str, list[dict[str, object]]] = {split: [] for split in SPLITS}
    for path in sorted((HERE / "written").glob("*.txt")):
        for split, record in parse(path):
            written[split].append(record)
    ids = [r["id"] for records in written.values() for r in records]
    if len(ids) != len(set(ids)):
        raise SystemExit(f"duplicate id among {sorted(i for i in ids if ids.count(i) > 1)[:3]}")
    new = set(ids)
    for split in SPLITS:
        path = HERE / f"{split}.jsonl"
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        kept = [line for line in old.splitlines()
                if line.strip() and json.loads(line)["id"] not in new and "-f" not in json.loads(line)["id"]
                and "-s" not in json.loads(line)["id"]]  # fmt: skip
        lines = kept + [json.dumps(r, ensure_ascii=False) for r in written[split]]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{path.name}: {len(kept)} kept, {len(written[split])} written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
