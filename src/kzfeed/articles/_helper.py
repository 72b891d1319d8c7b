"""The fetching threads' CPU-bound work (a feed's parse: feedparser and each entry's paragraphs)
in a helper process, so that it does not hold the run's interpreter lock against the main thread
(which prepares and stores the items: one core's work on its own in a first update).

The helper is started only once the work done on the calling threads has taken
:data:`START_AFTER` seconds of CPU (~20 feeds of 10 entries, ~80 of one): a run of a few feeds
is done before a new process could be ready (~0.2-0.5 s) and would only pay for starting it.
Until it is ready the work is still done on the calling threads, so no run waits for it. It is
a fresh interpreter (``spawn``) that imports only what the work needs: neither the extraction
processes' trafilatura nor the main process's database.

Work in the helper can be given a time limit: past it the helper is killed (a hostile feed that
makes the parser spin stops there instead of holding a fetching thread for ever) and
:class:`HelperTimeout` raised; the next work starts a new helper.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

__all__ = ["START_AFTER", "HelperProcess", "HelperTimeout", "safe_path"]

T = TypeVar("T")

log = logging.getLogger(__name__)

#: CPU seconds of work done on the calling threads before the helper process is started
START_AFTER = 0.25

_SAFE_PATH = "PYTHONSAFEPATH"
#: held while ``PYTHONSAFEPATH`` is changed for a process being started (several threads start them)
_environ_lock = threading.Lock()


@contextlib.contextmanager
def safe_path() -> Iterator[None]:
    """``PYTHONSAFEPATH`` (Python 3.11+) for the Python processes started meanwhile: a new
    interpreter started as ``python -c ...`` puts the current directory first on its path, and
    a ``brotli/`` or ``multiprocessing/`` folder where kzfeed runs would be imported instead of
    the real one."""
    with _environ_lock:
        saved = os.environ.get(_SAFE_PATH)
        os.environ[_SAFE_PATH] = "1"
        try:
            yield
        finally:
            if saved is None:
                del os.environ[_SAFE_PATH]
            else:
                os.environ[_SAFE_PATH] = saved


class HelperTimeout(Exception):
    """The work took longer than its time limit in the helper process, which was stopped."""


def _alive() -> int:
    """Sent first to the helper: done once it has started and readied itself; its process id."""
    return os.getpid()


class HelperProcess:
    """``helper.run(work, ready=...)`` returns ``work()``, done in the helper process once it is
    ready, else on the calling thread. ``work`` is pickled: a module-level function, or a
    ``functools.partial`` of one with picklable arguments, whose result is picklable; ``ready``
    (a module-level function) is called once in the helper as it starts. Thread-safe.

    A failure of the helper's never changes a result: when ``work`` raises there, or its result
    cannot come back, it is done again on the calling thread, which raises what it raises; a
    helper that died (out of memory?) is not used again this run. Only a time limit passed
    there is new: see :meth:`run`."""

    def __init__(self, *, start_after: float = START_AFTER) -> None:
        self._start_after = start_after
        self._lock = threading.Lock()
        self._spent = 0.0  # CPU seconds of the work done on the calling threads
        self._starting = False
        self._pool: ProcessPoolExecutor | None = None
        self._alive: Future[int] | None = None
        self._ready = False
        self._dead = False  # it died, or could not start: not used again
        self._closed = False
        self._stopped: list[ProcessPoolExecutor] = []  # helpers killed: shut down on close
        #: works done in the helper process (for tests and statistics)
        self.done_there = 0

    def run(
        self, work: Callable[[], T], *, ready: Callable[[], None] | None = None, timeout: float | None = None
    ) -> T:
        """``work()``. With ``timeout`` (seconds, from when it is handed to the helper), work
        that the helper has not finished by then raises :class:`HelperTimeout` and the helper
        is killed (work done on the calling thread has no limit)."""
        pool = self._ready_pool(ready)
        if pool is None:
            start = time.thread_time()
            try:
                return work()
            finally:
                with self._lock:
                    self._spent += time.thread_time() - start
        from concurrent.futures.process import BrokenProcessPool

        try:
            result: T = pool.submit(work).result(timeout=timeout)
        except TimeoutError:
            self._kill(pool)
            raise HelperTimeout(f"not done within {timeout:g} s") from None
        except BrokenProcessPool:  # the helper died (or was killed for other work): done here
            with self._lock:
                if self._pool is pool:
                    self._ready, self._dead = False, True
            return work()
        except MemoryError:  # out of memory there: not tried again here
            raise
        except Exception:  # its own error (or an unpicklable result): as it is raised here
            return work()
        with self._lock:
            self.done_there += 1
        return result

    def _ready_pool(self, ready: Callable[[], None] | None) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._pool is None:
                start = (
                    not (self._closed or self._dead or self._starting) and self._spent >= self._start_after
                )
                self._starting = self._starting or start
            else:
                start = False
                if not (self._ready or self._dead) and self._alive is not None and self._alive.done():
                    # an exception: the helper could not start (its ``ready`` failed)
                    self._ready = self._alive.exception() is None
                    self._dead = not self._ready
            if self._ready:
                return self._pool
        if start:
            self._start(ready)  # outside the lock: starting a process takes a few milliseconds
        return None

    def _start(self, ready: Callable[[], None] | None) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            context = multiprocessing.get_context("spawn")
            pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=ready)
            with safe_path():
                alive = pool.submit(_alive)  # starts the process
        except Exception:  # no process to be had (a limit?): the work is done here, as before
            log.debug("the helper process did not start", exc_info=True)
            with self._lock:
                self._dead = True
            return
        with self._lock:
            if not self._closed:
                self._pool, self._alive = pool, alive
                return
        pool.shutdown(wait=False, cancel_futures=True)

    def _kill(self, pool: ProcessPoolExecutor) -> None:
        """Kill the helper of ``pool`` (the work it is doing passed its time limit); the next
        work starts a new one. Other work waiting for it is done on the calling threads."""
        with self._lock:
            if self._pool is not pool or self._alive is None:
                return
            pid = self._alive.result()
            self._pool, self._alive, self._ready, self._starting = None, None, False, False
            self._stopped.append(pool)
        log.debug("the helper process (%d) passed its time limit: killed", pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        """Stop the helper process."""
        with self._lock:
            pool, self._pool, self._closed, self._ready = self._pool, None, True, False
            stopped, self._stopped = self._stopped, []
        for old in stopped:
            old.shutdown(wait=True, cancel_futures=True)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
