"""Whole-process measurements for the benchmarks: the wall time, CPU time and peak memory of a
command and of every process it starts, however deep.

kzfeed's extraction workers are children of a multiprocessing fork server, not of kzfeed, so
``wait4`` on kzfeed alone misses them. Each command is started by a small launcher process
(``_LAUNCHER``) which, on Linux, makes itself a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``):
a descendant whose parent exits (the fork server, once kzfeed has exited) is re-parented to it,
and reaping it with ``wait4`` gives its CPU time and peak memory together with those of the
processes it reaped itself (the workers). Elsewhere only the command's own figures are counted,
and ``Measured.complete`` says so. The launcher also keeps the benchmark's own memory out of the
command's peak (see ``_LAUNCHER``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Measured", "measure"]

# Run by a small interpreter of its own (``python -S``), which starts the command, waits for it
# and for the descendants left to it, and writes its figures as JSON to the file descriptor in
# argv[1]. Linux counts the memory a process had before ``exec`` in its peak (``ru_maxrss``): a
# command started straight from a benchmark that holds its pages or its generated items (100+
# MiB) would seem to peak at least that high, whatever it used itself; started from this small
# launcher it peaks at what it used (at least the launcher's ~10 MiB).
_LAUNCHER = r"""
import os, sys, time
report, cwd, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
subreaper = False
if sys.platform.startswith("linux"):
    try:
        import ctypes
        subreaper = ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        pass
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.close(report)
        os.chdir(cwd)
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
helpers = []
deadline = time.monotonic() + 10.0
while subreaper:
    try:
        orphan, _, orphan_usage = os.wait4(-1, os.WNOHANG)
    except ChildProcessError:
        break
    if orphan:
        helpers.append(orphan_usage)
    elif time.monotonic() > deadline:
        break
    else:
        time.sleep(0.005)
import json
figures = {
    "wall": wall,
    "code": os.waitstatus_to_exitcode(status),
    "cpu": usage.ru_utime + usage.ru_stime + sum(u.ru_utime + u.ru_stime for u in helpers),
    "peak_mib": usage.ru_maxrss / 1024,
    "helpers_peak_mib": max((u.ru_maxrss for u in helpers), default=0) / 1024,
    "helpers": len(helpers),
    "complete": subreaper,
}
os.write(report, json.dumps(figures).encode())
"""


@dataclass(frozen=True)
class Measured:
    wall: float  # seconds from starting the command to its exit
    cpu: float  # user + system seconds of the command and every descendant
    peak_mib: float  # the command's own peak resident memory (and of children it waited for)
    helpers_peak_mib: float  # the largest peak among its other descendants (fork server, workers)
    helpers: int  # how many of those were reaped here
    stdout: str
    complete: bool = True  # False: descendants the command did not wait for are not counted

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
    """Run ``argv`` in ``cwd`` to its end and measure it (and everything it started), through
    a small launcher process (see ``_LAUNCHER``: the command's peak memory is its own, not that
    of the benchmark that starts it).

    ``keep_stdout=False`` discards what the command prints (``Measured.stdout`` is empty): a
    command that prints 100 MB (``kzfeed export`` of 100k items) would otherwise be held here."""
    read_end, write_end = os.pipe()
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            sink = out if keep_stdout else subprocess.DEVNULL
            launcher = [sys.executable, "-S", "-c", _LAUNCHER, str(write_end), str(cwd), *argv]
            proc = subprocess.Popen(
                launcher, env=env, stdout=sink, stderr=err, stdin=subprocess.DEVNULL, pass_fds=(write_end,)
            )
            os.close(write_end)
            write_end = -1
            with os.fdopen(read_end, "rb") as report:
                read_end = -1
                raw = report.read()
            proc.wait()
            if proc.returncode != 0 or not raw:
                err.seek(0)
                raise SystemExit(
                    f"the launcher of {' '.join(argv[:4])} failed:\n{err.read().decode(errors='replace')[-2000:]}"
                )
            figures = json.loads(raw)
            out.seek(0)
            stdout = out.read().decode(errors="replace")
            if check and figures["code"] != 0:
                err.seek(0)
                tail = err.read().decode(errors="replace")[-2000:]
                raise SystemExit(f"{' '.join(argv[:4])} failed ({figures['code']}) in {cwd}:\n{tail}")
    finally:
        for fd in (read_end, write_end):
            if fd >= 0:
                os.close(fd)
    return Measured(
        wall=figures["wall"],
        cpu=figures["cpu"],
        peak_mib=figures["peak_mib"],
        helpers_peak_mib=figures["helpers_peak_mib"],
        helpers=figures["helpers"],
        stdout=stdout,
        complete=figures["complete"],
    )
