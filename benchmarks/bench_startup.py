"""Start-up: ``kzfeed --help``, ``kzfeed status`` and a ``kzfeed run`` with nothing due, of this
commit and of a baseline commit, next to ``python -m reader --help`` and ``python -m reader list
feeds`` (reader: the ``bench`` extra), in the same run; each reads its own database.

Each is a whole process, runs alternating; printed are the median wall time, the median CPU
time (user + system, from ``wait4``: steadier than wall time on a shared machine) and the
median of the time Python reports spending in imports (``-X importtime``, summed). Bytecode is
cached (``PYTHONDONTWRITEBYTECODE`` is dropped) as in an installed kzfeed: the warm-up round
writes the ``.pyc`` files. For the nothing-due run, each version's database holds one RSS
source fetched once from a loopback server (so it is due again in 30 minutes).

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

from kzfeed.testing import LocalHTTPServer

_IMPORT = re.compile(rb"^import time:\s+(\d+) \|", re.MULTILINE)


def once(argv: list[str], pythonpath: str | None, cwd: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, import s) of one process."""
    drop = ("KZFEED_CONFIG", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
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


_FEED = (
    b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title><link>http://x.test/</link>"
    b"<description>d</description><item><title>EU and Kazakhstan sign a raw materials deal</title>"
    b"<link>http://x.test/a</link><guid>a</guid><pubDate>Mon, 02 Jun 2025 04:30:00 GMT</pubDate>"
    b"<description>The European Union and Kazakhstan signed a memorandum.</description></item>"
    b"</channel></rss>"
)
_SOURCE = """output_dir = "public"
[fetch]
exempt_loopback = true
{allow}[[sources]]
name = "feed"
type = "rss"
url = "{url}"
full_content = false
"""


def _allow_loopback(tree: Path) -> str:
    """The line that lets the tree's kzfeed fetch from loopback: commits before 61ed20c fetched
    any address and refuse the key as unknown."""
    known = any(
        "allow_private" in path.read_text(encoding="utf-8") for path in tree.glob("src/kzfeed/**/*.py")
    )
    return 'allow_private = ["127.0.0.1"]\n' if known else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", default="019a83d")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="kzfeed-bench-startup-") as tmp_name,
        LocalHTTPServer() as server,
    ):
        tmp = Path(tmp_name)
        server.route("/feed.xml", body=_FEED, content_type="application/rss+xml")
        with baseline_tree(args.baseline, tmp / "baseline") as base:
            folders = {}
            for name in ("this", "baseline", "reader", "run-this", "run-baseline"):  # each its own database
                folders[name] = tmp / f"db-{name}"
                folders[name].mkdir()
                db = folders[name] / "db.sqlite"
                config = f'database = "sqlite:///{db}"\n'
                if name.startswith("run-"):
                    tree = REPO if name == "run-this" else base
                    config += _SOURCE.format(url=server.url("/feed.xml"), allow=_allow_loopback(tree))
                (folders[name] / "kzfeed.toml").write_text(config, encoding="utf-8")
            for name, path in (("run-this", REPO / "src"), ("run-baseline", base / "src")):
                once(["-m", "kzfeed", "run"], str(path), folders[name])  # fetched: due in 30 min
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
                "kzfeed run, none due (this)": (
                    ["-m", "kzfeed", "run"],
                    str(REPO / "src"),
                    folders["run-this"],
                ),
                f"kzfeed run, none due ({args.baseline})": (
                    ["-m", "kzfeed", "run"],
                    str(base / "src"),
                    folders["run-baseline"],
                ),
            }
            for argv, path, cwd in cases.values():  # warm the caches, write .pyc files, create the databases
                once(argv, path, cwd)
            got: dict[str, list[tuple[float, float, float]]] = {name: [] for name in cases}
            for _ in range(args.runs):
                for name, (argv, path, cwd) in cases.items():
                    got[name].append(once(argv, path, cwd))
    print(f"median of {args.runs} runs each, alternating")
    print(f"  {'':<36}{'wall':>9}{'CPU':>9}{'imports':>10}")
    for name, runs in got.items():
        wall, cpu, imports = (statistics.median(r[k] for r in runs) for k in range(3))
        print(f"  {name:<36}{wall:>8.3f}s{cpu:>8.3f}s{imports:>9.3f}s")

    def med(runs: list[tuple[float, float, float]], k: int) -> float:
        return statistics.median(r[k] for r in runs)

    for command, peer in (
        ("--help", "python -m reader --help"),
        ("status", "reader list feeds"),
        ("run, none due", None),
    ):
        this, old = got[f"kzfeed {command} (this)"], got[f"kzfeed {command} ({args.baseline})"]
        line = (
            f"  kzfeed {command}: this ÷ {args.baseline}: {med(this, 0) / med(old, 0):.2f}× wall, "
            f"{med(this, 1) / med(old, 1):.2f}× CPU, {med(this, 2) / med(old, 2):.2f}× imports"
        )
        if peer is not None:
            reader = got[peer]
            line += (
                f"; this ÷ reader: {med(this, 0) / med(reader, 0):.2f}× wall, "
                f"{med(this, 1) / med(reader, 1):.2f}× CPU"
            )
        print(f"{line}; imports {med(this, 2):.3f} s (target: under 0.2 s)")


if __name__ == "__main__":
    main()
