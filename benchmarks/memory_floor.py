"""How low a first ``kzfeed run`` could peak at best, next to reader's whole first update: the
peak memory of a process that only imports the modules a first run imports, with and without
SQLAlchemy, on the feeds of ``bench_reader.py`` (Linux only).

    .venv/bin/python benchmarks/memory_floor.py [--feeds 200] [--items 10] [--rounds 3]

One first run of kzfeed (a whole process) records the modules it imported, in the order it
imported them. Then, alternating in each round, each a whole process measured with
``processes.measure`` (peak resident memory, ``ru_maxrss``):

* ``python -c pass``: the interpreter alone;
* imports: a process that imports those modules and does nothing else: no database opened, no
  feed fetched, no item held, no language model loaded. A run that imports them can peak no
  lower than this;
* imports without SQLAlchemy: the same with ``sqlalchemy`` and ``alembic`` blocked, so that every
  module needing them (the storage layer) is left out too: the most that storing through the
  ``sqlite3`` module alone could save;
* kzfeed's first run (``kzfeed run --all``, fresh database) and reader's first update
  (``update_feeds``, fresh database), as ``bench_reader.py`` runs them.

Printed: the median peak of each and its ratio to reader's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench_reader import READER, ROOT, kzfeed_config, serve
from processes import measure

# a first run that writes the modules it imported (in import order) to argv[1] when it exits
RECORD = r"""
import atexit, json, sys
atexit.register(lambda: open(sys.argv[1], "w").write(json.dumps(list(sys.modules))))
from kzfeed.cli import main
main(["run", "--all", "-q"])
"""

# imports the modules listed in argv[1] in that order; argv[2] == "nosql": SQLAlchemy and Alembic
# are blocked, and every module that needs them is skipped
IMPORTS = r"""
import importlib, json, sys
names = json.load(open(sys.argv[1]))
if sys.argv[2] == "nosql":
    sys.modules["sqlalchemy"] = None
    sys.modules["alembic"] = None
skipped = 0
for name in names:
    if name == "__main__" or name in sys.modules:
        continue
    try:
        importlib.import_module(name)
    except Exception:
        skipped += 1
print(len(sys.modules), skipped)
"""

TOOLS = ("python -c pass", "imports", "imports without SQLAlchemy", "kzfeed first run", "reader first update")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
    env["PYTHONPATH"] = str(ROOT / "src")
    return env


def _fresh(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() and not path.is_symlink() else path.unlink()


def one_round(tmp: Path, urls: list[str], modules: Path, flip: bool) -> dict[str, float]:
    """Each command once (in reverse order when ``flip``): ``{tool: peak MiB}``."""
    kz, rd = tmp / "kzfeed", tmp / "reader"
    for folder in (kz, rd):
        _fresh(folder)
    kzfeed_config(kz, urls)
    urls_file = tmp / "urls.txt"
    urls_file.write_text("\n".join(urls), encoding="utf-8")
    argv = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "imports": [sys.executable, "-c", IMPORTS, str(modules), "all"],
        "imports without SQLAlchemy": [sys.executable, "-c", IMPORTS, str(modules), "nosql"],
        "kzfeed first run": [sys.executable, "-m", "kzfeed", "run", "--all", "-q"],
        "reader first update": [
            sys.executable,
            "-c",
            READER,
            str(rd / "r.sqlite"),
            str(urls_file),
            "first",
            "1",
        ],
    }
    where = {"kzfeed first run": kz, "reader first update": rd}
    peaks = {}
    for tool in reversed(TOOLS) if flip else TOOLS:
        peaks[tool] = measure(argv[tool], cwd=where.get(tool, tmp), env=_env()).largest_peak_mib
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with serve(args.feeds, args.items) as sites, tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        urls = [f"{sites.base_url(n)}/feed.xml" for n in range(args.feeds)]
        (tmp / "kzfeed").mkdir()
        (tmp / "reader").mkdir()
        record = tmp / "record"
        record.mkdir()
        kzfeed_config(record, urls)
        modules = tmp / "modules.json"
        measure([sys.executable, "-c", RECORD, str(modules)], cwd=record, env=_env())
        names = json.loads(modules.read_text(encoding="utf-8"))
        rounds = [one_round(tmp, urls, modules, bool(r % 2)) for r in range(args.rounds)]
    heavy = sum(1 for n in names if n.split(".")[0] in ("sqlalchemy", "alembic"))
    print(
        f"{args.feeds} feeds of {args.items} entries, first update, {args.rounds} rounds: a first run "
        f"imports {len(names)} modules ({heavy} of them SQLAlchemy's or Alembic's)"
    )
    reader = statistics.median(r["reader first update"] for r in rounds)
    print(f"{'process':<30}{'peak MiB (median)':>18}{'÷ reader':>10}")
    for tool in TOOLS:
        peak = statistics.median(r[tool] for r in rounds)
        print(f"{tool:<30}{peak:>18.1f}{peak / reader:>9.2f}×")


if __name__ == "__main__":
    main()
