"""Run every benchmark (``make bench``): each script in its own process, one after the other.

    .venv/bin/python benchmarks/run_all.py [--full] [--only NAME,NAME]

Without ``--full`` each benchmark runs with the smaller sizes and fewer rounds below, so that
all of them finish within 15 minutes on the 2-core development machine; ``--full`` runs each
with its own defaults (the sizes docs/benchmarks.md reports, about an hour). Every benchmark
prints its figures next to its peer or baseline in the same run; this script adds how long each
took and stops with an error if one fails.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: benchmark -> its arguments in the quick run (the full run passes none)
QUICK: dict[str, list[str]] = {
    "bench_startup": ["--runs", "7"],
    "bench_classifier": ["--processes", "3"],
    "bench_extract": ["--rounds", "1"],
    "bench_reader": ["--sizes", "50,200", "--rounds", "1"],
    "bench_fetch": ["--feeds", "50", "--articles", "10", "--rounds", "2"],
    "bench_storage": ["--sizes", "1000", "--rounds", "2"],
    "bench_stories": ["--stored", "10000", "--new", "1000", "--rounds", "1"],
    "bench_story_index": ["--feeds", "50", "--rounds", "3"],
    "bench_fts": ["--items", "20000", "--changes", "30"],
    "bench_search": [],
    "bench_runlock": [],
    # the documented size is 5,000 feeds on 1,000 sites for 1, 2 and 4 workers (~40 min here)
    "bench_fleet": ["--feeds", "300", "--sites", "60", "--items", "1", "--workers", "1", "2"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="each benchmark's own default sizes")
    parser.add_argument("--only", help="comma-separated benchmark names (e.g. bench_reader,bench_extract)")
    args = parser.parse_args()
    found = sorted(path.stem for path in HERE.glob("bench_*.py"))
    missing = sorted(set(found) - set(QUICK))
    if missing:
        print(f"run_all: add {', '.join(missing)} to QUICK in {Path(__file__).name}", file=sys.stderr)
        return 2
    names = args.only.split(",") if args.only else list(QUICK)
    took: list[tuple[str, float]] = []
    for name in names:
        argv = [sys.executable, str(HERE / f"{name}.py"), *([] if args.full else QUICK[name])]
        print(f"== {name} {' '.join(argv[2:])}", flush=True)
        start = time.perf_counter()
        if subprocess.run(argv, cwd=HERE.parent).returncode != 0:
            print(f"run_all: {name} failed", file=sys.stderr)
            return 1
        took.append((name, time.perf_counter() - start))
    print("== time taken: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in took)
          + f"; total {sum(s for _, s in took) / 60:.1f} min")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
