"""A run that brings one new report, against the reports stored around it: the story index of
its source (``kzfeed.pipeline._stories.story_index``), each run a whole process.

    .venv/bin/python benchmarks/bench_story_index.py [--feeds 200] [--rounds 5] [--baseline COMMIT]

The store is what ``kzfeed run`` keeps after a first update of ``bench_reader.py``'s feeds
(``--feeds`` × 10 entries over ~9 days), made once by this tree's kzfeed (or, with
``--baseline``, by the baseline's, so that both trees open it: this tree upgrades its copy).
Each round, for each tree, a fresh process opens its copy of the store and builds the story
index for one new report published an hour after the newest stored one, as the first source
with news of a new run does (nothing in memory yet), then assigns its story. Printed: the
median of the process's wall time, of the story index's time within it, and how many stored
reports it read in full (the rest came from the signals the database keeps). The first
process of this tree keeps the signals of the reports it reads (runs after it find them
kept); it is shown apart.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from baseline_tree import baseline_tree
from bench_reader import ROOT, compile_sources, kzfeed_config, serve
from processes import measure

CHILD = r"""
import sys, time
from dataclasses import replace
from datetime import timedelta
from kzfeed.storage import open_store
from kzfeed.pipeline._stories import RunStoryKeys, story_index
from kzfeed.stories import assign_stories
store = open_store("sqlite:///" + sys.argv[1])
newest = store.items(relevant=None, limit=1)[0]
new = replace(newest, id="bench-new", guid="bench-new", content_hash="bench" + newest.content_hash[5:],
              canonical_url=None, story_id=None, simhash=None, published=newest.published + timedelta(hours=1))
read = []
items_by_id = store.items_by_id
store.items_by_id = lambda ids: read.extend(ids) or items_by_id(ids)
start = time.perf_counter()
index = story_index(RunStoryKeys(store), [new], newest.first_seen + timedelta(hours=1), {})
assign_stories([new], index)
print(time.perf_counter() - start, len(read), len(index.events))
"""


def make_store(folder: Path, feeds: int, src: Path) -> Path:
    """A first update of ``feeds`` bench feeds by the kzfeed of ``src``; its database."""
    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
    env["PYTHONPATH"] = str(src)
    with serve(feeds, 10) as sites:
        kzfeed_config(folder, [f"{sites.base_url(n)}/feed.xml" for n in range(feeds)])
        subprocess.run([sys.executable, "-m", "kzfeed", "run", "-q"], cwd=folder, env=env, check=True)
    return folder / "kzfeed.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", help="a commit whose kzfeed runs too, alternating")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kzfeed-bench-index-") as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        trees = {"this tree": ROOT / "src"}
        if args.baseline:
            tree = stack.enter_context(baseline_tree(args.baseline, tmp / "tree"))
            trees[args.baseline[:10]] = tree / "src"
        for src in trees.values():
            compile_sources(src)
        (tmp / "made").mkdir()
        made = make_store(tmp / "made", args.feeds, list(trees.values())[-1])
        stores = {}
        for n, tool in enumerate(trees):
            stores[tool] = tmp / f"store{n}.db"
            shutil.copy(made, stores[tool])
        got: dict[str, list[tuple[float, float, int, int]]] = {tool: [] for tool in trees}
        first: tuple[float, float, int, int] | None = None
        for r in range(args.rounds + 1):
            for tool in trees if r % 2 == 0 else reversed(list(trees)):
                env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
                env["PYTHONPATH"] = str(trees[tool])
                run = measure([sys.executable, "-c", CHILD, str(stores[tool])], cwd=tmp, env=env)
                seconds, read, reports = run.stdout.split()[-3:]
                row = (run.wall, float(seconds), int(read), int(reports))
                if r == 0:  # this tree's first keeps the signals; the baseline's is as any other
                    first = row if tool == "this tree" else first
                    continue
                got[tool].append(row)
    print(f"one new report against {args.feeds * 10} stored ({args.feeds} feeds), median of {args.rounds} "
          "processes each")  # fmt: skip
    if first is not None:
        print(f"  this tree, first process (keeps the signals): {first[0]:.2f} s, story index {first[1]:.3f} s, "
              f"{first[2]} reports read in full of {first[3]}")  # fmt: skip
    for tool, rows in got.items():
        wall, index = statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
        read, reports = statistics.median(r[2] for r in rows), statistics.median(r[3] for r in rows)
        print(f"  {tool:<12} {wall:6.2f} s process, story index {index:.3f} s, "
              f"{read:.0f} reports read in full of {reports:.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
