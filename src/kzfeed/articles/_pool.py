"""Article extraction on every CPU core: trafilatura runs in worker processes while the
fetching threads wait on the network. The pool starts only when a source has pages to extract
(readied while they are fetched: :meth:`ArticleExtractor.prepare`), so a run where everything
answered 304 pays nothing for it (not even importing ``multiprocessing``: ~0.8 MiB)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Self

from kzfeed.errors import InputError
from kzfeed.models import RawItem

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import ProcessPoolExecutor

__all__ = ["ArticleExtractor"]

_SAFE_PATH = "PYTHONSAFEPATH"


def _extract(html: str, url: str | None) -> tuple[RawItem | str, float]:
    """Runs in a worker: the article (its language is detected by the caller, which has the
    language model: a worker loads only what extraction needs), or the message of the
    ``InputError`` (errors with extra constructor arguments do not survive pickling, a string
    does), and the CPU seconds it took (the workers are not children of the caller, so their
    CPU time is counted here)."""
    from kzfeed.articles._extract import extract_page

    start = time.process_time()
    result: RawItem | str
    try:
        result = extract_page(html, url=url)
    except InputError as exc:
        result = str(exc)
    except Exception as exc:  # a trafilatura bug on one page must not break the pool
        result = f"{url or 'page'}: extraction failed ({type(exc).__name__}: {exc})"
    return result, time.process_time() - start


def _start_forkserver_safely() -> None:
    """Start the fork server (if it is not running) without the current directory on its
    ``sys.path``: it is started as ``python -c ...``, which puts the current directory first,
    so a ``brotli/`` folder where kzfeed runs would be imported by trafilatura's HTTP stack.
    ``PYTHONSAFEPATH`` (Python 3.11+) tells the new interpreter not to add it."""
    from multiprocessing import forkserver

    saved = os.environ.get(_SAFE_PATH)
    os.environ[_SAFE_PATH] = "1"
    try:
        forkserver.ensure_running()
    finally:
        if saved is None:
            del os.environ[_SAFE_PATH]
        else:
            os.environ[_SAFE_PATH] = saved


def _start_server() -> multiprocessing.context.ForkServerContext:
    """The fork server's context, the server started (if it is not running) and told to ready
    itself with ``kzfeed.articles._worker``; returns at once (the server readies itself in its
    own process; the first worker forked from it waits for that)."""
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["kzfeed.articles._worker"])  # readies the server
    _start_forkserver_safely()
    return context


class ArticleExtractor:
    """``extractor(html, url=...)`` returns a ``RawItem`` or raises ``InputError``.

    With ``processes`` > 1 the work goes to a process pool (forkserver, readied once by
    ``kzfeed.articles._worker``: each worker forked from it starts with trafilatura imported and
    set up); with 1 it runs in the calling thread. ``processes`` may be a
    function, asked once when the first page comes (e.g. how many workers share this host by
    then); None: one per CPU core. Thread-safe.

    ``while_starting`` is called once, in the thread that calls :meth:`prepare`, when that starts
    the fork server: the caller's own set-ups (building its classifier) can use the core the
    server leaves idle while it readies itself, instead of waiting for the first page.
    """

    def __init__(
        self,
        processes: int | Callable[[], int] | None = None,
        *,
        while_starting: Callable[[], None] | None = None,
    ) -> None:
        self._processes = processes
        self._while_starting = while_starting
        self._count: int | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._started = False  # the fork server was asked to start
        #: pages extracted, for the run's statistics
        self.count = 0
        #: CPU seconds spent extracting them (in the worker processes, or in this one)
        self.cpu_seconds = 0.0

    @property
    def processes(self) -> int:
        """How many processes extract (at least 1), decided when first asked."""
        with self._lock:
            if self._count is None:
                wanted = self._processes() if callable(self._processes) else self._processes
                self._count = max(1, wanted if wanted is not None else (os.cpu_count() or 1))
            return self._count

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def prepare(self) -> None:
        """Start readying the extraction processes now, without waiting for them: the caller
        is about to fetch pages to extract. Their fork server imports trafilatura and does its
        set-ups (~0.4 s of CPU, more on a busy machine) while the pages are on their way,
        instead of after the first has arrived. Nothing with one process, nor once started."""
        if self.processes == 1:
            return
        with self._lock:
            if self._pool is not None or self._started:
                return
            _start_server()
            self._started = True
        if self._while_starting is not None:
            self._while_starting()

    def _executor(self) -> ProcessPoolExecutor:
        from concurrent.futures import ProcessPoolExecutor

        processes = self.processes
        with self._lock:
            if self._pool is None:
                context = _start_server()
                self._started = True
                self._pool = ProcessPoolExecutor(max_workers=processes, mp_context=context)
            return self._pool

    def __call__(self, html: str, *, url: str | None = None) -> RawItem:
        if self.processes == 1:
            result, cpu = _extract(html, url)
        else:
            from concurrent.futures.process import BrokenProcessPool

            try:
                result, cpu = self._executor().submit(_extract, html, url).result()
            except BrokenProcessPool:  # a worker died (out of memory?): do this page here
                result, cpu = _extract(html, url)
        with self._lock:
            self.count += 1
            self.cpu_seconds += cpu
        if isinstance(result, str):
            raise InputError(result)
        # lazy: a run where all is 304 needs none of it; not the extraction's module (its
        # furniture patterns alone are ~40 ms to import): this process only detects languages
        from kzfeed.articles._language import with_language

        return with_language(result)

    def close(self) -> None:
        """Stop the worker processes."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
