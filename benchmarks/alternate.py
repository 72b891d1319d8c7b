"""Whole ``kzfeed`` processes of several versions, each in its own folder, alternating round by
round in the same minutes: median wall and CPU time (the process and every descendant, from
``processes.measure``) and the largest peak memory of each, with the ratio to the first.

    .venv/bin/python benchmarks/alternate.py ROUNDS LABEL:SRC:FOLDER [LABEL:SRC:FOLDER ...] -- ARGS...

``SRC`` is the ``src`` folder of a version (e.g. a ``git worktree`` of an earlier commit), run
with this virtualenv through ``PYTHONPATH``; ``FOLDER`` holds its ``kzfeed.toml``, database and
``public/`` (e.g. a folder kept by ``bench_storage.py --keep``). E.g. the unchanged run of two
versions at 1k and 100k stored items, seven rounds:

    .venv/bin/python benchmarks/alternate.py 7 base1k:/tmp/base/src:/tmp/b1k this1k:src:/tmp/t1k \\
        base100k:/tmp/base/src:/tmp/b100k this100k:src:/tmp/t100k -- run --all
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

from processes import measure


def main(argv: list[str]) -> None:
    if "--" not in argv or argv.index("--") < 2:
        raise SystemExit(__doc__)
    rounds, versions, args = int(argv[0]), argv[1 : argv.index("--")], argv[argv.index("--") + 1 :]
    runs: dict[str, list[tuple[float, float, float]]] = {}
    for _ in range(rounds):
        for version in versions:
            label, src, folder = version.split(":")
            env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
            env["PYTHONPATH"] = str(Path(src).resolve())
            m = measure([sys.executable, "-m", "kzfeed", *args], cwd=Path(folder), env=env, keep_stdout=False)
            runs.setdefault(label, []).append((m.wall, m.cpu, m.largest_peak_mib))
            print(
                f"  {label:<12} {m.wall:8.2f} s wall {m.cpu:8.2f} s CPU {m.largest_peak_mib:6.0f} MiB",
                flush=True,
            )
    first: tuple[float, float] | None = None
    for label, got in runs.items():
        wall, cpu = statistics.median(g[0] for g in got), statistics.median(g[1] for g in got)
        first = first or (wall, cpu)
        print(
            f"{label:<12} median {wall:8.2f} s wall {cpu:8.2f} s CPU, peak {max(g[2] for g in got):4.0f} MiB"
            f"   {wall / first[0]:.2f}x wall {cpu / first[1]:.2f}x CPU"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
