"""The memory of a first ``kzfeed run --all`` and of every process it starts, added up, on the
feeds of ``bench_reader.py`` (Linux only): what handing work to other processes costs in all.

    .venv/bin/python benchmarks/memory_tree.py [--feeds 200] [--items 10] [--rounds 2] [--baseline COMMIT]

``bench_reader.py`` gives the peak of the largest single process (``ru_maxrss``); a run that
hands work to other processes (the extraction workers, their fork
server, multiprocessing's resource tracker) uses their memory too. Here the command's process
tree (found through ``/proc/PID/task/*/children``) is sampled every 10 ms: the resident memory
of each process (``VmRSS``) and its proportional share (``Pss`` of ``smaps_rollup``: pages
shared by several processes, e.g. a fork server's with its workers, are split among them, so the
sum counts them once). Printed, medians of the rounds: the main process's peak, the largest sum
of the tree's RSS and of its PSS, and how many processes there were at most. Each tree (this
one, and ``--baseline``'s) runs in the same rounds, alternating, each run in a fresh folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from baseline_tree import baseline_tree
from bench_reader import ROOT, compile_sources, kzfeed_config, serve


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
    except OSError:
        pass
    return found


def _tree(pid: int) -> list[int]:
    pids, at = [pid], 0
    while at < len(pids):
        pids += _children(pids[at])
        at += 1
    return pids


def _kib(path: str, key: str) -> int:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def sampled_run(src: Path, folder: Path) -> tuple[float, float, float, float, int]:
    """(wall s, main process's peak MiB, largest RSS sum MiB, largest PSS sum MiB, most processes)."""
    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
    env["PYTHONPATH"] = str(src)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kzfeed", "run", "--all", "-q"], cwd=folder, env=env, stdout=subprocess.DEVNULL
    )
    main_peak = rss_peak = pss_peak = 0
    most = 0
    while proc.poll() is None:
        pids = _tree(proc.pid)
        rss = [_kib(f"/proc/{p}/status", "VmRSS:") for p in pids]
        main_peak = max(main_peak, rss[0])
        if sum(rss) > rss_peak:
            rss_peak = sum(rss)
        pss_peak = max(pss_peak, sum(_kib(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids))
        most = max(most, len([r for r in rss if r]))
        time.sleep(0.01)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"kzfeed run failed ({proc.returncode}) in {folder}")
    return wall, main_peak / 1024, rss_peak / 1024, pss_peak / 1024, most


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline", help="a commit whose kzfeed runs too, in the same rounds")
    args = parser.parse_args()
    with ExitStack() as stack:
        trees = {"kzfeed": ROOT / "src"}
        if args.baseline:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="kzfeed-memtree-tree-"))
            tree = stack.enter_context(baseline_tree(args.baseline, Path(tmp) / "tree"))
            trees[f"kzfeed {args.baseline[:10]}"] = tree / "src"
        for src in trees.values():
            compile_sources(src)
        sites = stack.enter_context(serve(args.feeds, args.items))
        urls = [f"{sites.base_url(n)}/feed.xml" for n in range(args.feeds)]
        runs: dict[str, list[tuple[float, float, float, float, int]]] = {label: [] for label in trees}
        for r in range(args.rounds):
            for label in list(trees)[:: -1 if r % 2 else 1]:
                with tempfile.TemporaryDirectory(prefix="kzfeed-memtree-") as folder:
                    kzfeed_config(Path(folder), urls)
                    runs[label].append(sampled_run(trees[label], Path(folder)))
        print(f"{args.feeds} feeds of {args.items} entries, first run, median of {args.rounds} round(s)")
        print(
            f"{'tree':<22}{'wall s':>8}{'main MiB':>10}{'RSS sum MiB':>13}{'PSS sum MiB':>13}{'processes':>11}"
        )
        for label, got in runs.items():
            wall, main_peak, rss, pss = (statistics.median(g[i] for g in got) for i in range(4))
            print(
                f"{label:<22}{wall:>8.2f}{main_peak:>10.0f}{rss:>13.0f}{pss:>13.0f}{max(g[4] for g in got):>11}"
            )


if __name__ == "__main__":
    main()
