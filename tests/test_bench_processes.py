"""The benchmarks' whole-process timer (``benchmarks/processes.py``): a command's peak memory is
its own, however large the benchmark that starts it, and processes it leaves to a fork server
are counted."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from processes import measure  # the benchmarks folder is not a package

_FORKSERVER_POOL = """
import multiprocessing, os
if __name__ == "__main__":
    pool = multiprocessing.get_context("forkserver").Pool(2)
    print(sum(pool.map(abs, range(-50, 50))))
    os._exit(0)  # the pool's processes are left behind, as kzfeed's fork server is
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peaks and orphans as Linux counts them")
def test_a_command_peaks_at_its_own_memory_not_at_the_benchmarks(tmp_path: Path) -> None:
    held = bytearray(200 * 1024 * 1024)  # a benchmark holding its pages or generated items
    held[::4096] = b"\1" * len(held[::4096])
    small = measure([sys.executable, "-c", "pass"], cwd=tmp_path)
    large = measure(
        [sys.executable, "-c", "x = bytearray(120 * 1024 * 1024)\nx[::4096] = b'1' * len(x[::4096])"],
        cwd=tmp_path,
    )
    assert small.largest_peak_mib < 100
    assert 120 < large.largest_peak_mib < 200
    del held


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child subreaper is Linux's")
def test_the_processes_a_fork_server_leaves_are_counted(tmp_path: Path) -> None:
    got = measure([sys.executable, "-c", _FORKSERVER_POOL], cwd=tmp_path)
    assert got.stdout.strip() == "2500"
    assert got.complete
    assert got.helpers >= 3  # the fork server and its two workers


def test_a_failing_command_says_so(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match=r"failed \(3\)"):
        measure([sys.executable, "-c", "import sys; sys.exit(3)"], cwd=tmp_path)
