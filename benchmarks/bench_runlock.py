"""The SQLite run lock: kzfeed's own ``flock`` (``kzfeed.storage._filelock``) against the filelock
library it used from issue 11 to issue 13 (the ``bench`` extra installs it), side by side in the
same run. Each sample is a whole process that imports kzfeed's command line and the lock, takes
the lock and releases it, as ``kzfeed run`` does once; plus the lock alone, 1000 times in one
process. Prints medians and the ratio.

    .venv/bin/python benchmarks/bench_runlock.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROCESSES = 15

# what kzfeed.storage._locks did with filelock before storage/_filelock.py (holder line included)
FILELOCK = """
import os, filelock
def take(db):
    lock = filelock.FileLock(str(db) + ".lock", mode=0o644, thread_local=False,
                             preserve_lock_file=True,
                             on_acquired=lambda fd: os.pwrite(fd, b"pid\\n", 0))
    lock.acquire(timeout=0)
    return lock
def release(lock):
    lock.release()
"""
KZFEED = """
from kzfeed.storage._filelock import lock_file
def take(db):
    return lock_file(db, 0.0)
def release(lock):
    lock.release()
"""
LOCKS = {"kzfeed flock": KZFEED, "filelock": FILELOCK}
PROCESS = "import kzfeed.cli\nfrom pathlib import Path\n{code}\nrelease(take(Path({db!r})))\n"
LOOP = "{code}\ndef once(db):\n    release(take(db))\n"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "kzfeed.db"
        times: dict[str, list[float]] = {name: [] for name in LOCKS}
        for _ in range(PROCESSES):  # interleaved, so that the machine's load hits both alike
            for name, code in LOCKS.items():
                started = time.perf_counter()
                subprocess.run([sys.executable, "-c", PROCESS.format(code=code, db=str(db))], check=True)
                times[name].append(time.perf_counter() - started)
        loops: dict[str, float] = {}
        for name, code in LOCKS.items():
            namespace: dict[str, object] = {}
            exec(LOOP.format(code=code), namespace)
            once = namespace["once"]
            assert callable(once)
            started = time.perf_counter()
            for _ in range(1000):
                once(db)
            loops[name] = (time.perf_counter() - started) / 1000
    base = statistics.median(times["filelock"])
    for name in LOCKS:
        median = statistics.median(times[name])
        print(
            f"{name:14} process median {median * 1000:6.0f} ms ({median / base:.2f}x filelock's); "
            f"lock alone {loops[name] * 1e6:6.0f} us"
        )


if __name__ == "__main__":
    main()
