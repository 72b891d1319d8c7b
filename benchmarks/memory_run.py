"""Where the peak memory of one ``kzfeed run --all`` is reached and what is live then, on the
feeds of ``bench_reader.py`` (Linux only).

    .venv/bin/python benchmarks/memory_run.py [--feeds 50] [--items 10] [--detail] [--second]
        [--python [--trace-from STAGE] [--at STAGE] [--group traceback --frames 4] [--top 25]]

The first run (nothing stored; with ``--second`` also the unchanged second run) is a whole
process. A thread of that process reads its resident memory (``VmRSS`` in ``/proc/self/status``)
every 5 ms; the run's stages are marked by wrapping the pipeline's functions. Printed: the
resident memory at the start and end of each stage, every half second (with the items waiting
for the main thread), the peak (``VmHWM``), when it was reached and which stages were running
then; at the peak and at the end, the anonymous and file-backed resident memory, glibc's heaps
(``mallinfo2``: in use and free), SQLite's own allocations (``sqlite3_memory_used``) and
Python's allocated blocks. ``--detail``: those at each stage's start and end too, pymalloc's
arenas and the resident memory of each mapping at the end. ``--python``: ``tracemalloc`` is on
(it slows the run and adds its own memory: compare its runs only with each other) and the
largest Python allocations live at the Python peak are printed (``--at STAGE``: at the end of
that stage instead; ``--trace-from STAGE``: traced from its start only). A stage is named by its
label, e.g. ``"render the feeds"``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_reader import ROOT, kzfeed_config, serve

#: (module, object or "", function, label) of the stages marked
STAGES = [
    ("kzfeed.cli.app", "App", "store", "open the database"),
    ("kzfeed.pipeline._run", "Pipeline", "ingest", "fetch, classify, store (all)"),
    ("kzfeed.pipeline._run", "Pipeline", "_open_collector", "open the fetcher"),
    ("kzfeed.pipeline._build", "LazyClassifier", "_get", "classifier (each use)"),
    ("kzfeed.pipeline._commit", "Committer", "commit", "main thread stores a source"),
    ("kzfeed.ops._render", "CoalescedRenderer", "finish", "render the feeds"),
]

CHILD = r"""
import atexit, importlib, os, sys, threading, time, tracemalloc
T0 = time.perf_counter()
PYTHON = bool(int(os.environ["MEM_PYTHON"]))
DETAIL = bool(int(os.environ["MEM_DETAIL"]))
FRAMES = int(os.environ.get("MEM_FRAMES", "1"))
FROM = os.environ.get("MEM_FROM", "")  # a stage's label: trace from its start only
if PYTHON and not FROM:
    tracemalloc.start(FRAMES)

import ctypes
class _Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
try:
    _mallinfo2 = ctypes.CDLL(None).mallinfo2
    _mallinfo2.restype = _Mallinfo2
except (OSError, AttributeError):
    _mallinfo2 = None

try:
    _sqlite = ctypes.CDLL("libsqlite3.so.0")
    _sqlite.sqlite3_memory_used.restype = ctypes.c_int64
except OSError:
    _sqlite = None

def native():
    # resident anonymous / file-backed MiB, glibc heaps in use / free, Python blocks
    got = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("RssAnon:", "RssFile:")):
                got[line.split(":")[0]] = int(line.split()[1]) / 1024
    text = f"anon {got.get('RssAnon', 0):.1f} file {got.get('RssFile', 0):.1f}"
    if _mallinfo2 is not None:
        m = _mallinfo2()
        text += (f"; glibc mmapped {m.hblkhd / 2**20:.1f}, heaps {m.arena / 2**20:.1f} "
                 f"(in use {m.uordblks / 2**20:.1f}, free {m.fordblks / 2**20:.1f})")
    if _sqlite is not None and "_sqlite3" in sys.modules:
        text += f"; SQLite {_sqlite.sqlite3_memory_used() / 2**20:.1f}"
    text += f"; Python blocks {sys.getallocatedblocks()}"
    return text

def rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0

marks = []          # (t, label, "start"/"end", rss)
active = {}         # label -> depth
peak = [0.0, 0.0, (), 0, ""]   # rss, t, active labels, queue size, native
py_peak = [0, None, 0.0]   # traced bytes, snapshot, t
queues = []
timeline = []       # (t, rss, waiting) every half second
guard = threading.Lock()

def wrap(module, owner, name, label):
    holder = importlib.import_module(module)
    holder = getattr(holder, owner) if owner else holder
    inner = getattr(holder, name)
    def marked(*args, **kwargs):
        with guard:
            active[label] = active.get(label, 0) + 1
            if active[label] == 1:
                if PYTHON and label == FROM and not tracemalloc.is_tracing():
                    tracemalloc.start(FRAMES)
                marks.append((time.perf_counter() - T0, label, "start", rss(), native()))
        try:
            return inner(*args, **kwargs)
        finally:
            with guard:
                active[label] -= 1
                if not active[label]:
                    del active[label]
                    if PYTHON and label == os.environ.get("MEM_AT") and tracemalloc.is_tracing():
                        py_peak[:] = [tracemalloc.get_traced_memory()[0], tracemalloc.take_snapshot(), time.perf_counter() - T0]
                        tracemalloc.stop()
                    marks.append((time.perf_counter() - T0, label, "end", rss(), native()))
    setattr(holder, name, marked)

import queue
import kzfeed.pipeline._run as _run

class Events(queue.SimpleQueue):
    def __init__(self):
        super().__init__()
        queues.append(self)

_run.Events = Events
for stage in STAGES:
    wrap(*stage)

stop = threading.Event()
def sample():
    while not stop.wait(0.005):
        now = rss()
        waiting = sum(q.qsize() for q in queues)
        t = time.perf_counter() - T0
        if not timeline or t - timeline[-1][0] >= 0.5:
            timeline.append((t, now, waiting))
        if now > peak[0]:
            with guard:
                peak[:] = [now, time.perf_counter() - T0, tuple(sorted(active)), waiting,
                           native() if now > peak[0] + 0.5 else peak[4]]
        if PYTHON and tracemalloc.is_tracing():
            traced = tracemalloc.get_traced_memory()[0]
            if traced > py_peak[0] + (1 << 20):
                py_peak[:] = [traced, tracemalloc.take_snapshot(), time.perf_counter() - T0]
threading.Thread(target=sample, daemon=True).start()

def report():
    stop.set()
    out = sys.stderr
    with open("/proc/self/status") as f:
        hwm = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
    print(f"{'stage':<34}{'calls':>6}{'from s':>8}{'MiB':>7}{'to s':>8}{'MiB':>7}", file=out)
    for label in dict.fromkeys(m[1] for m in marks):
        mine = [m for m in marks if m[1] == label]
        first, last = mine[0], mine[-1]
        calls = sum(1 for m in mine if m[2] == "start")
        print(f"{label:<34}{calls:>6}{first[0]:>8.2f}{first[3]:>7.1f}{last[0]:>8.2f}{last[3]:>7.1f}", file=out)
        if DETAIL:
            print(f"    start: {first[4]}\n    end:   {last[4]}", file=out)
    print("resident memory (and items waiting for the main thread) every half second:", file=out)
    print("  ".join(f"{t:.1f}s {mib:.0f}({w})" for t, mib, w in timeline), file=out)
    times = os.times()
    print(f"CPU {times.user + times.system:.2f} s", file=out)
    print(f"peak sampled {peak[0]:.1f} MiB at {peak[1]:.2f} s (VmHWM {int(hwm) / 1024:.1f} MiB), "
          f"during: {', '.join(peak[2]) or '-'}; items waiting for the main thread: {peak[3]}", file=out)
    print(f"  at the peak: {peak[4]}", file=out)
    print(f"  at the end:  {native()}", file=out)
    import collections
    if DETAIL:
        by = collections.Counter()
        name = ""
        with open("/proc/self/smaps") as f:
            for line in f:
                first = line.split()
                if "-" in first[0] and len(first[0]) > 8 and ":" not in first[0]:
                    name = first[5] if len(first) > 5 else "[anon]"
                elif first[0] == "Rss:":
                    by[name] += int(first[1])
        import tempfile
        with tempfile.TemporaryFile() as tmp:
            sys.stderr.flush()
            saved = os.dup(2)
            os.dup2(tmp.fileno(), 2)
            sys._debugmallocstats()
            os.dup2(saved, 2)
            tmp.seek(0)
            stats = tmp.read().decode()
        keep = ("# arenas allocated current", "# bytes in allocated blocks", "# bytes in available blocks",
                "bytes in unused pools", "# bytes lost to pool headers", "# bytes lost to quantization",
                "Total ")
        print("  pymalloc: " + "; ".join(" ".join(l.split()) for l in stats.splitlines() if l.startswith(keep)), file=out)
        print("  resident by mapping (MiB): " + ", ".join(f"{os.path.basename(n)} {k / 1024:.1f}" for n, k in by.most_common(25)), file=out)
    packages = collections.Counter(m.split(".")[0] for m in sys.modules)
    print("  modules imported by the end, by package: " + ", ".join(f"{p} {n}" for p, n in packages.most_common(30)), file=out)
    if PYTHON and py_peak[1] is not None:
        snap = py_peak[1].filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        print(f"Python peak {py_peak[0] / 2**20:.1f} MiB at {py_peak[2]:.2f} s; largest:", file=out)
        group = os.environ.get("MEM_GROUP", "lineno")
        for stat in snap.statistics(group)[:int(os.environ.get("MEM_TOP", "25"))]:
            where = " < ".join(f"{f.filename.rpartition('/src/')[2]}:{f.lineno}" for f in stat.traceback)
            print(f"{stat.size / 2**20:>8.2f} MiB {stat.count:>8}  {where}", file=out)

atexit.register(report)
from kzfeed.cli import main
main(["run", "--all", "-q"])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--python", action="store_true", help="tracemalloc: what is live at the Python peak")
    parser.add_argument("--group", default="lineno", help="tracemalloc grouping: lineno, filename")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--trace-from", default="", help="with --python: start tracing at this stage's label")
    parser.add_argument("--frames", type=int, default=1, help="with --python: frames kept per allocation")
    parser.add_argument(
        "--at", default="", help="with --python: the snapshot at the end of this stage, not at the peak"
    )
    parser.add_argument(
        "--detail", action="store_true", help="the native memory at each stage, pymalloc, mappings"
    )
    parser.add_argument("--second", action="store_true", help="also the unchanged second run")
    args = parser.parse_args()
    code = f"STAGES = {STAGES!r}\n{CHILD}"
    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
    env["PYTHONPATH"] = str(ROOT / "src")
    env.update(MEM_PYTHON=str(int(args.python)), MEM_GROUP=args.group, MEM_TOP=str(args.top))
    env.update(
        MEM_FROM=args.trace_from,
        MEM_FRAMES=str(args.frames),
        MEM_AT=args.at,
        MEM_DETAIL=str(int(args.detail)),
    )
    with tempfile.TemporaryDirectory(prefix="kzfeed-mem-") as tmp, serve(args.feeds, args.items) as sites:
        folder = Path(tmp)
        kzfeed_config(folder, [f"{sites.base_url(n)}/feed.xml" for n in range(args.feeds)])
        for phase in ("first run", "unchanged run")[: 2 if args.second else 1]:
            print(f"{args.feeds} feeds of {args.items} entries, {phase}:", flush=True)
            subprocess.run([sys.executable, "-c", code], cwd=folder, env=env, check=True)


if __name__ == "__main__":
    main()
