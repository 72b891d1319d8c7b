"""Where the wall time of one ``kzfeed run --all`` goes: each stage's wall time, CPU time of its
thread and time spent runnable but waiting for a core (the kernel's run-queue delay,
``/proc/thread-self/schedstat``), on the feeds of ``bench_reader.py``.

    .venv/bin/python benchmarks/trace_run.py [--feeds 50] [--items 10] [--detail]

The first run (nothing stored) and the unchanged second run are each a whole process; the
stages are timed by wrapping the pipeline's functions in that process (Linux only).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_reader import ROOT, kzfeed_config, serve

#: (module, object or "", function, label) of what is timed
STAGES = [
    ("kzfeed.cli.app", "App", "store", "open the database (migrations)"),
    ("kzfeed.ops._worker", "", "acquire_run_lock", "run lock"),
    ("kzfeed.pipeline._run", "Pipeline", "ingest", "fetch, classify, store (all)"),
    ("kzfeed.pipeline._collect", "Collector", "collect", "fetch one source (fetching threads)"),
    ("kzfeed.pipeline._run", "Events", "get", "main thread waits for an item or a fetch"),
    ("kzfeed.pipeline._commit", "Committer", "arrived", "main thread prepares an item as it arrives"),
    ("kzfeed.pipeline._commit", "Committer", "_prepare", "  normalise, language, classify"),
    ("kzfeed.pipeline._commit", "", "signals", "  story signals of an item"),
    ("kzfeed.pipeline._commit", "Committer", "commit", "main thread stores a source"),
    ("kzfeed.pipeline._commit", "", "story_index", "  story index of the source"),
    ("kzfeed.pipeline._commit", "", "assign_stories", "  story assignment"),
    ("kzfeed.storage._items", "ItemsMixin", "save_source", "  save the source (one transaction)"),
    ("kzfeed.ops._render", "CoalescedRenderer", "finish", "render the feeds"),
]
#: with ``--detail``: the parts of storing a source and of rendering
DETAIL = [
    ("kzfeed.pipeline._commit", "", "fingerprint", "  fingerprint of an item"),
    ("kzfeed.pipeline._stories", "RunStoryKeys", "read", "    story keys read"),
    ("kzfeed.pipeline._stories", "RunStoryKeys", "look", "    story keys read (kept for the run)"),
    ("kzfeed.pipeline._stories", "RunStoryKeys", "reports_within", "    kept reports of the windows"),
    ("kzfeed.pipeline._stories", "RunStoryKeys", "stored", "    story keys of the stored items"),
    ("kzfeed.pipeline._stories", "StoryIndex", "__init__", "    StoryIndex(keys)"),
    ("kzfeed.pipeline._stories", "StoryIndex", "add_stored_reports", "    stored reports' signals indexed"),
    ("kzfeed.pipeline._stories", "StoryIndex", "view_stored_reports", "    stored reports' signals viewed"),
    ("kzfeed.stories._dedupe", "", "_story_of", "    one item's story"),
    ("kzfeed.storage._items", "", "_save_items", "    items rows"),
    ("kzfeed.storage._items", "", "refresh_stories", "      story rows"),
    ("kzfeed.storage._items", "", "write_classifications", "      topics and entities rows"),
    (
        "kzfeed.storage._base",
        "HeldEngine",
        "commit",
        "  commit the sources held (SQLite; story rows, search)",
    ),
    ("kzfeed.publish._publish", "_Documents", "__call__", "  one feed document and its story pages"),
]

CHILD = r"""
import atexit, collections, importlib, os, sys, threading, time
T0 = time.perf_counter()

def sched():
    with open("/proc/thread-self/schedstat") as f:
        run, wait = f.read().split()[:2]
    return int(run) / 1e9, int(wait) / 1e9

stats = collections.defaultdict(lambda: [0, 0.0, 0.0, 0.0, float("inf"), 0.0])
guard = threading.Lock()

def wrap(module, owner, name, label):
    holder = importlib.import_module(module)
    holder = getattr(holder, owner) if owner else holder
    inner = getattr(holder, name)
    def timed(*args, **kwargs):
        w0, c0, q0 = time.perf_counter(), time.thread_time(), sched()[1]
        try:
            return inner(*args, **kwargs)
        finally:
            w1, c1, q1 = time.perf_counter(), time.thread_time(), sched()[1]
            with guard:
                s = stats[label]
                s[0] += 1; s[1] += w1 - w0; s[2] += c1 - c0; s[3] += q1 - q0
                s[4] = min(s[4], w0 - T0); s[5] = max(s[5], w1 - T0)
    setattr(holder, name, timed)

import queue
import kzfeed.pipeline._run as _run

class Events(queue.SimpleQueue):  # a Python class, so that its get can be timed
    def get(self, *args, **kwargs):
        return super().get(*args, **kwargs)

_run.Events = Events
for stage in STAGES:
    wrap(*stage)

def report():
    end = time.perf_counter() - T0
    cpu, wait = sched()
    t = os.times()
    print(f"whole process: {end:.2f} s wall, {t.user + t.system:.2f} s CPU (all threads); "
          f"main thread {cpu:.2f} s CPU, {wait:.2f} s waiting for a core", file=sys.stderr)
    print(f"{'stage':<40}{'calls':>6}{'wall s':>9}{'CPU s':>8}{'wait core s':>13}{'from':>8}{'to':>8}",
          file=sys.stderr)
    for _, _, _, label in STAGES:
        if label in stats:
            n, wall, cpu, wait, first, last = stats[label]
            print(f"{label:<40}{n:>6}{wall:>9.2f}{cpu:>8.2f}{wait:>13.2f}{first:>8.2f}{last:>8.2f}",
                  file=sys.stderr)

atexit.register(report)
from kzfeed.cli import main
main(["run", "--all", "-q"])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--detail", action="store_true", help="also the parts of storing and rendering")
    args = parser.parse_args()
    if not Path("/proc/thread-self/schedstat").exists():
        raise SystemExit("needs Linux's /proc/thread-self/schedstat")
    code = f"STAGES = {STAGES + (DETAIL if args.detail else [])!r}\n{CHILD}"
    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
    env["PYTHONPATH"] = str(ROOT / "src")
    with tempfile.TemporaryDirectory(prefix="kzfeed-trace-") as tmp, serve(args.feeds, args.items) as sites:
        folder = Path(tmp)
        kzfeed_config(folder, [f"{sites.base_url(n)}/feed.xml" for n in range(args.feeds)])
        for phase in ("first run", "unchanged run"):
            print(f"{args.feeds} feeds of {args.items} entries, {phase}:", flush=True)
            subprocess.run([sys.executable, "-c", code], cwd=folder, env=env, check=True)


if __name__ == "__main__":
    main()
