"""Start-up: ``kzfeed --help`` and ``kzfeed status`` of this commit and of a baseline commit,
next to ``python -m reader --help`` and ``python -m reader list feeds`` (reader: the ``bench``
extra), in the same run; each tool reads its own (empty) database.

Each is a whole process, runs alternating; printed are the median wall time, the median CPU
time (user + system, from ``wait4``: steadier than wall time on a shared machine) and the
median of the time Python reports spending in imports (``-X importtime``, summed).

    .venv/bin/python benchmarks/bench_startup.py [--runs 15] [--baseline 019a83d]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from baseline_tree import REPO, baseline_tree

_IMPORT = re.compile(rb"^import time:\s+(\d+) \|", re.MULTILINE)


def once(argv: list[str], pythonpath: str | None, cwd: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, import s) of one process."""
    env = {k: v for k, v in os.environ.items() if k not in ("KZFEED_CONFIG", "PYTHONPATH")}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", *argv],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{err.decode(errors='replace')[-2000:]}")
    imports = sum(int(us) for us in _IMPORT.findall(err)) / 1e6  # self times add up to the total
    return wall, usage.ru_utime + usage.ru_stime, imports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", default="019a83d")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kzfeed-bench-startup-") as tmp_name:
        tmp = Path(tmp_name)
        with baseline_tree(args.baseline, tmp / "baseline") as base:
            folders = {}
            for name in ("this", "baseline", "reader"):  # each its own database
                folders[name] = tmp / f"db-{name}"
                folders[name].mkdir()
                db = folders[name] / "db.sqlite"
                (folders[name] / "kzfeed.toml").write_text(f'database = "sqlite:///{db}"\n', encoding="utf-8")
            reader_db = str(folders["reader"] / "reader.sqlite")
            cases = {
                "kzfeed --help (this)": (["-m", "kzfeed", "--help"], str(REPO / "src"), folders["this"]),
                f"kzfeed --help ({args.baseline})": (
                    ["-m", "kzfeed", "--help"],
                    str(base / "src"),
                    folders["baseline"],
                ),
                "python -m reader --help": (["-m", "reader", "--help"], None, folders["reader"]),
                "kzfeed status (this)": (["-m", "kzfeed", "status"], str(REPO / "src"), folders["this"]),
                f"kzfeed status ({args.baseline})": (
                    ["-m", "kzfeed", "status"],
                    str(base / "src"),
                    folders["baseline"],
                ),
                "reader list feeds": (
                    ["-m", "reader", "--db", reader_db, "list", "feeds"],
                    None,
                    folders["reader"],
                ),
            }
            for argv, path, cwd in cases.values():  # warm the caches, write .pyc files, create the databases
                once(argv, path, cwd)
            got: dict[str, list[tuple[float, float, float]]] = {name: [] for name in cases}
            for _ in range(args.runs):
                for name, (argv, path, cwd) in cases.items():
                    got[name].append(once(argv, path, cwd))
    print(f"median of {args.runs} runs each, alternating")
    print(f"  {'':<30}{'wall':>9}{'CPU':>9}{'imports':>10}")
    for name, runs in got.items():
        wall, cpu, imports = (statistics.median(r[k] for r in runs) for k in range(3))
        print(f"  {name:<30}{wall:>8.3f}s{cpu:>8.3f}s{imports:>9.3f}s")

    def med(runs: list[tuple[float, float, float]], k: int) -> float:
        return statistics.median(r[k] for r in runs)

    for command, peer in (("--help", "python -m reader --help"), ("status", "reader list feeds")):
        this, old = got[f"kzfeed {command} (this)"], got[f"kzfeed {command} ({args.baseline})"]
        reader = got[peer]
        print(
            f"  kzfeed {command}: this ÷ {args.baseline}: {med(this, 0) / med(old, 0):.2f}× wall, "
            f"{med(this, 1) / med(old, 1):.2f}× CPU; this ÷ reader: {med(this, 0) / med(reader, 0):.2f}× wall, "
            f"{med(this, 1) / med(reader, 1):.2f}× CPU; imports {med(this, 2):.3f} s (target: under 0.2 s)"
        )


if __name__ == "__main__":
    main()
