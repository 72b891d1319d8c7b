"""A first update's threads share one glibc malloc arena (``kzfeed.ops.share_arenas``): what
the main thread frees of what a fetching thread allocated is reused by every thread, not kept
in that thread's own arena (docs/benchmarks.md, lean9 lane)."""

from __future__ import annotations

import platform
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import kzfeed.ops as ops
import kzfeed.ops._arenas as arenas
from conftest import CliResult

Kz = Callable[..., CliResult]

glibc = pytest.mark.skipif(
    sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc arenas"
)

#: eight threads alive at once, each allocating; then the heaps glibc's ``malloc_info`` lists
_THREADS = r"""
import ctypes, sys, tempfile, threading
if sys.argv[1] == "shared":
    from kzfeed.ops import share_arenas
    assert share_arenas()
barrier = threading.Barrier(9)
def work():
    kept = [bytes(200) + bytes([n % 256]) for n in range(2000)]
    barrier.wait()
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads:
    t.start()
barrier.wait()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
with tempfile.NamedTemporaryFile(suffix=".xml") as out:
    fp = libc.fopen(out.name.encode(), b"w")
    libc.malloc_info(0, fp)
    libc.fclose(fp)
    print(open(out.name).read().count("<heap nr="))
barrier.wait()
for t in threads:
    t.join()
"""


def _heaps(mode: str) -> int:
    src = Path(ops.__file__).parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _THREADS, mode],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
    )
    return int(done.stdout.strip())


@glibc
def test_threads_allocating_at_once_share_one_arena() -> None:
    assert _heaps("own") > 2  # glibc's default: an arena for each thread (up to 8 a core)
    assert _heaps("shared") == 1


def test_a_first_update_shares_arenas_and_an_unchanged_one_does_not(
    kzfeed: Kz, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def share(limit: int = 1) -> bool:
        calls.append(limit)
        return True

    monkeypatch.setattr(arenas, "share_arenas", share)
    monkeypatch.setattr(ops, "share_arenas", share, raising=False)
    assert kzfeed("run").exit_code == 0  # a new database: the full store from the start
    assert calls == [1]
    assert kzfeed("run", "--all").exit_code == 0  # every source unchanged: sqlite3 first
    assert calls == [1]


def test_sharing_is_asked_of_glibc_once_a_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arenas, "_shared", [])
    first = arenas.share_arenas()
    assert arenas.share_arenas() is first
    assert arenas._shared == [first]
