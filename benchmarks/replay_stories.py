"""The story work of a first ``kzfeed run``, replayed in one process: each source's story index,
story assignment and bookkeeping, and each item's story signals and fingerprint, on the items a
real run prepared (the feeds of ``bench_reader.py``), so that their CPU time is measured apart
from fetching, parsing, classifying and a loaded machine's other work.

    .venv/bin/python benchmarks/replay_stories.py [--feeds 200] [--items 10] [--rounds 5] [--baseline COMMIT]

A first run (one fetching thread, clock frozen, as ``same_run.py``) records what each source
brought to its story work; each round then replays it against a fresh database in a fresh
process, with this tree and (``--baseline``) the baseline alternating. Printed: the median and
least CPU seconds of each part over the rounds, and whether both trees gave every item the same
story and fingerprint.
"""

from __future__ import annotations

import argparse
import ast
import os
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from baseline_tree import baseline_tree
from bench_reader import ROOT, kzfeed_config, serve

RECORD = r"""
import pickle, sys
from datetime import UTC, datetime
import kzfeed.clock as clock
import kzfeed.pipeline._run as run
import kzfeed.pipeline._commit as commit
FIXED = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
clock.now = run._now = lambda: FIXED
sources, pending = [], {}
index_of, assign_of = commit.story_index, commit.assign_stories
def story_index(keys, batch, now, memo):
    pending["now"] = now
    return index_of(keys, batch, now, memo)
def assign_stories(batch, index, signals, prints):
    sources.append((pending.pop("now"), list(batch)))
    return assign_of(batch, index, signals, prints)
commit.story_index, commit.assign_stories = story_index, assign_stories
from kzfeed.cli import main
try:
    main(["run", "--all", "-q"])
finally:
    with open(sys.argv[1], "wb") as f:
        pickle.dump(sources, f)
"""

REPLAY = r"""
import pickle, sys, time
from dataclasses import replace
from kzfeed.models import SourceState
from kzfeed.storage import open_store
from kzfeed.pipeline._stories import RunStoryKeys, remember_reports, signals_rows, story_index
from kzfeed.stories import assign_stories, fingerprint, signals
with open(sys.argv[1], "rb") as f:
    sources = pickle.load(f)
store = open_store("sqlite:///" + sys.argv[2])
keys, memo = RunStoryKeys(store), {}
parts = dict.fromkeys(["signals", "fingerprint", "story index", "story assignment", "bookkeeping"], 0.0)
clock = time.thread_time
out = []
for n, (now, batch) in enumerate(sources):
    prepared_signals, prints = {}, {}
    t = clock()
    for item in batch:
        prepared_signals[(item.id, item.content_hash)] = signals(item)
    t1 = clock()
    for item in batch:
        prints[(item.id, item.content_hash)] = fingerprint(item.content_text)
    t2 = clock()
    index = story_index(keys, batch, now, memo)
    t3 = clock()
    stories = assign_stories(batch, index, prepared_signals, prints)
    t4 = clock()
    rows = signals_rows(index, stories)
    t5 = clock()
    counts = store.save_source(
        state=SourceState(name=f"source{n}"), config_hash="", batch=stories, ok=True, now=now,
        merges=index.merges(), signals=rows,
    )
    t6 = clock()
    keys.stored([i.id for i in batch], index.merges())
    remember_reports(memo, index, stories, counts.new_ids)
    t7 = clock()
    parts["signals"] += t1 - t
    parts["fingerprint"] += t2 - t1
    parts["story index"] += t3 - t2
    parts["story assignment"] += t4 - t3
    parts["bookkeeping"] += (t5 - t4) + (t7 - t6)
    out += [(i.id, i.story_id, i.simhash) for i in stories]
print(repr((parts, sorted(out))))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", help="a commit to replay alternately")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kzfeed-replay-") as tmp, serve(args.feeds, args.items) as sites:
        folder = Path(tmp)
        kzfeed_config(folder, [f"{sites.base_url(n)}/feed.xml" for n in range(args.feeds)])
        config = folder / "kzfeed.toml"
        config.write_text(config.read_text().replace("[fetch]\n", "[fetch]\nworkers = 1\n"))
        env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
        env.update(PYTHONPATH=str(ROOT / "src"), PYTHONHASHSEED="0")
        recorded = folder / "sources.pickle"
        subprocess.run([sys.executable, "-c", RECORD, str(recorded)], cwd=folder, env=env, check=True)
        trees = {"now": ROOT / "src"}
        with ExitStack() as stack:
            if args.baseline:
                base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kzfeed-base-")))
                trees["baseline"] = stack.enter_context(baseline_tree(args.baseline, base / "tree")) / "src"
            replay(trees, recorded, folder, env, args.rounds)


def replay(trees: dict[str, Path], recorded: Path, folder: Path, env: dict[str, str], rounds: int) -> None:
    times: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    outcome: dict[str, object] = {}
    for r in range(rounds):
        for name, src in trees.items() if r % 2 == 0 else reversed(trees.items()):
            db = folder / f"replay-{name}-{r}.db"
            found = subprocess.run(
                [sys.executable, "-c", REPLAY, str(recorded), str(db)],
                cwd=folder,
                env={**env, "PYTHONPATH": str(src)},
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            parts, stories = ast.literal_eval(found)
            times[name].append(parts)
            outcome[name] = stories
    names = list(trees)
    print(f"{'CPU s, median (least)':<24}" + "".join(f"{n:>20}" for n in names))
    for part in [*times[names[0]][0], "all"]:
        cells = []
        for name in names:
            values = [sum(t.values()) if part == "all" else t[part] for t in times[name]]
            cells.append(f"{statistics.median(values):>12.3f} ({min(values):.3f})")
        print(f"{part:<24}" + "".join(cells))
    if len(names) > 1:
        same = outcome[names[0]] == outcome[names[1]]
        print(f"every item's story and fingerprint the same: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
