"""One glibc malloc arena for a run's threads (``mallopt(M_ARENA_MAX, 1)``, what the
environment variable ``MALLOC_ARENA_MAX=1`` does, set from inside the process).

glibc gives each thread that allocates while another holds an arena one of its own, up to
eight per core. A run's fetching threads each allocate what they fetch and parse; the main
thread frees it once stored, into the fetching thread's arena, where only that thread's
allocations reuse it: each arena keeps its own high-water mark. With one arena shared the
first update of 200 feeds of ten entries peaks ~5 MiB lower (``benchmarks/memory_run.py``,
96.5 against 101.5 MiB), at the same CPU: the threads take turns on the interpreter lock
anyway. Set before the run's threads start: arenas already made stay. Linux with glibc
only; elsewhere nothing is done.
"""

from __future__ import annotations

import sys

__all__ = ["share_arenas"]

#: ``M_ARENA_MAX`` of glibc's ``malloc.h``
_M_ARENA_MAX = -8
_shared: list[bool] = []  # set once a process


def share_arenas(limit: int = 1) -> bool:
    """Let this process's threads make at most ``limit`` malloc arenas; True if glibc took it
    (once a process: later calls do nothing and say what the first did)."""
    if _shared:
        return _shared[0]
    done = False
    if sys.platform.startswith("linux"):
        import ctypes  # late: an unchanged run never needs it

        try:
            libc = ctypes.CDLL(None)
            done = bool(libc.gnu_get_libc_version) and bool(libc.mallopt(_M_ARENA_MAX, limit))
        except (OSError, AttributeError):  # not glibc (musl has no gnu_get_libc_version)
            done = False
    _shared.append(done)
    return done
