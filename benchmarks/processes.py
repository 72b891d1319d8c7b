"""Whole-process measurements for the benchmarks: the wall time, CPU time and peak memory of a
command and of every process it starts, however deep.

kzfeed's extraction workers are children of a multiprocessing fork server, not of kzfeed, so
``wait4`` on kzfeed alone misses them. On Linux this process makes itself a child subreaper
(``prctl(PR_SET_CHILD_SUBREAPER)``): a descendant whose parent exits (the fork server, once
kzfeed has exited) is re-parented here, and reaping it with ``wait4`` gives its CPU time and
peak memory together with those of the processes it reaped itself (the workers). Elsewhere only
the command's own figures are counted, and ``Measured.complete`` says so.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Measured", "measure"]

_PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


_SUBREAPER = _become_subreaper()


@dataclass(frozen=True)
class Measured:
    wall: float  # seconds from starting the command to its exit
    cpu: float  # user + system seconds of the command and every descendant
    peak_mib: float  # the command's own peak resident memory (and of children it waited for)
    helpers_peak_mib: float  # the largest peak among its other descendants (fork server, workers)
    helpers: int  # how many of those were reaped here
    stdout: str
    complete: bool = _SUBREAPER  # False: descendants the command did not wait for are not counted

    @property
    def largest_peak_mib(self) -> float:
        """The peak of the largest single process, the command or a descendant: what ``wait4``
        gives for a command whose children are all its own (trafilatura's CLI and its pool)."""
        return max(self.peak_mib, self.helpers_peak_mib)


def measure(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    check: bool = True,
    keep_stdout: bool = True,
) -> Measured:
    """Run ``argv`` in ``cwd`` to its end and measure it (and everything it started).

    ``keep_stdout=False`` discards what the command prints (``Measured.stdout`` is empty): a
    command that prints 100 MB (``kzfeed export`` of 100k items) would otherwise be held here,
    and Linux counts a forked child's pages shared with this process before it runs the
    command in its ``ru_maxrss``: every command measured after it would seem to peak that high."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        sink = out if keep_stdout else subprocess.DEVNULL
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=sink, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        cpu = usage.ru_utime + usage.ru_stime
        helpers = _reap_orphans() if _SUBREAPER else []
        cpu += sum(ru.ru_utime + ru.ru_stime for ru in helpers)
        out.seek(0)
        stdout = out.read().decode(errors="replace")
        if check and proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"{' '.join(argv[:4])} failed ({proc.returncode}) in {cwd}:\n{tail}")
    return Measured(
        wall=wall,
        cpu=cpu,
        peak_mib=usage.ru_maxrss / 1024,
        helpers_peak_mib=max((ru.ru_maxrss for ru in helpers), default=0) / 1024,
        helpers=len(helpers),
        stdout=stdout,
    )


def _reap_orphans(timeout: float = 10.0) -> list[os.struct_rusage]:  # type: ignore[name-defined]
    """Wait for the descendants re-parented here (they stop once the command is gone)."""
    reaped = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            pid, _, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:  # none left
            return reaped
        if pid:
            reaped.append(usage)
        elif time.monotonic() > deadline:
            return reaped
        else:
            time.sleep(0.005)
