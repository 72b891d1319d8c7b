"""The SQLite run lock: filelock (what kzfeed uses) against the hand-written ``flock`` it replaced,
side by side in the same run. Each sample is a whole process that opens the store, takes the
lock and releases it, as ``kzfeed run`` does once; plus the lock alone, 1000 times in one process.
Prints medians and the ratio."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROCESSES = 15

# the lock kzfeed had before filelock (kzfeed.ops._lock at 019a83d), less its holder line
HAND_WRITTEN = """
import fcntl, os
def take(db):
    fd = os.open(str(db) + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.ftruncate(fd, 0)
    os.pwrite(fd, b"pid\\n", 0)
    return fd
def release(fd):
    os.ftruncate(fd, 0)
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
"""

PROCESS = {
    "filelock": "from kzfeed.storage import open_store\n"
    "s = open_store({url!r}); s.lock_runs('w').release(); s.close()\n",
    "hand-written flock": HAND_WRITTEN + "from kzfeed.storage import open_store\n"
    "s = open_store({url!r}); release(take({db!r})); s.close()\n",
}

LOOP = {
    "filelock": "from kzfeed.storage import _locks\n"
    "def once(db):\n    _locks._lock_file(db, 0.0).release()\n",
    "hand-written flock": HAND_WRITTEN + "def once(db):\n    release(take(db))\n",
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "kzfeed.db"
        url = f"sqlite:///{db}"
        subprocess.run([sys.executable, "-c", PROCESS["filelock"].format(url=url, db=str(db))], check=True)
        times: dict[str, list[float]] = {name: [] for name in PROCESS}
        for _ in range(PROCESSES):  # interleaved, so that the machine's load hits both alike
            for name, code in PROCESS.items():
                started = time.perf_counter()
                subprocess.run([sys.executable, "-c", code.format(url=url, db=str(db))], check=True)
                times[name].append(time.perf_counter() - started)
        loops: dict[str, float] = {}
        for name, code in LOOP.items():
            namespace: dict[str, object] = {}
            exec(code, namespace)
            once = namespace["once"]
            assert callable(once)
            started = time.perf_counter()
            for _ in range(1000):
                once(db)
            loops[name] = (time.perf_counter() - started) / 1000
    base = statistics.median(times["hand-written flock"])
    for name in PROCESS:
        median = statistics.median(times[name])
        print(
            f"{name:20} process median {median * 1000:6.0f} ms ({median / base:.2f}x); "
            f"lock alone {loops[name] * 1e6:6.0f} us"
        )


if __name__ == "__main__":
    main()
