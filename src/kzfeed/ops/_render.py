"""Rendering coalesced across workers: the feeds are written at most once per ``[ops]
render_every`` by one worker at a time, whatever the number of workers storing items.

New or changed items mark the feeds dirty (``StoreProtocol.mark_feeds_dirty``). A worker renders
when the feeds are dirty and the last render (by any worker; the database's clock) is
``render_every`` old, under the render lock (a PostgreSQL advisory lock): during a long run
whenever that is so, and at the end of its run, waiting out what is left of ``render_every`` so
that what it stored is never left unrendered (:class:`CoalescedRenderer`).
With SQLite (one process at a time) the feeds are rendered at the end of each run, unless they
miss nothing: the run stored nothing new or changed (every feed answered 304), nothing else
marked them dirty (``kzfeed ingest``, ``stories --rebuild``, ``prune``, ``reclassify``, a run
that died before rendering: a SQLite run marks them as it stores its first change), and the last
render was made from the same :func:`render_inputs` into a folder that still has its
``index.html``. Such a render wrote no file anyway; it took two thirds of an unchanged run of
200 feeds. ``kzfeed render`` renders at once (:func:`render_now`), e.g. on the machine that
serves ``public/`` when the workers' folders are not shared (``[ops] render = false``), or after
editing the templates of a development checkout.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kzfeed.config import Config
    from kzfeed.models import SourceRun
    from kzfeed.storage import StoreProtocol

__all__ = ["CoalescedRenderer", "render_feeds", "render_inputs", "render_now"]

log = logging.getLogger("kzfeed.ops._render")


def render_feeds(config: Config, store: StoreProtocol) -> list[Path]:
    """Write the feeds and pages (and ``ops.atom`` with ``[ops] feed``); the files changed."""
    # here, not above: the feed writer (lxml) and the story pages cost ~40 ms of imports, which
    # a run where nothing is due (and nothing is rendered) does not pay
    from kzfeed.pipeline import render

    return render(config, store) + _ops_feed(config, store)


def render_inputs(config: Config) -> str:
    """A digest of what shapes the feeds besides the stored items: kzfeed's version and the
    settings the renderer reads (a render from other inputs is not current)."""
    from kzfeed import __version__

    shaping = (
        __version__,
        str(config.output_dir.resolve()),
        config.base_url,
        config.title,
        config.subtitle,
        config.feed_size,
        tuple(config.languages),
    )
    return hashlib.sha256(repr(shaping).encode()).hexdigest()


def _ops_feed(config: Config, store: StoreProtocol) -> list[Path]:
    """Write ``ops.atom`` (``[ops] feed``): the sources' health changes in runs that store nothing."""
    if not config.ops.feed:
        return []
    from kzfeed.publish import render_ops_atom, write_outputs

    failing = store.unhealthy_sources(failing_after=config.ops.failing_after)
    return write_outputs(config.output_dir, {"ops.atom": render_ops_atom(config, failing)})


def _render_locked(
    config: Config, store: StoreProtocol, owner: str, *, wait: bool, every: float, force: bool = False
) -> list[Path] | None:
    """Render under the render lock when it is still wanted; None when not (or the lock is
    taken and ``wait`` is False)."""
    lock = store.lock_render(wait=wait)
    if lock is None:
        return None
    try:
        if not store.begin_render(owner, every=every, force=force, inputs=render_inputs(config)):
            return None
        try:
            return render_feeds(config, store)
        except BaseException:
            store.mark_feeds_dirty()  # not written: the next worker tries again
            raise
    finally:
        lock.release()


def render_now(
    config: Config, store: StoreProtocol, owner: str, *, if_dirty: bool = False
) -> list[Path] | None:
    """``kzfeed render``: write the feeds now (once a render in progress elsewhere has ended);
    with ``if_dirty`` only when stored changes are missing from them (None when not)."""
    return _render_locked(config, store, owner, wait=True, every=0.0, force=not if_dirty)


class CoalescedRenderer:
    """The rendering of one worker's run.

    After each source (:meth:`after_source`, from the run's main thread) it notes whether the
    source stored new or changed items; on PostgreSQL it marks the feeds dirty and renders them
    whenever ``render_every`` has passed since the last render by any worker and no other worker
    is rendering (it never waits during the run). At the end (:meth:`finish`) it renders what is
    still missing, waiting out the rest of ``render_every`` if needed, so that nothing this run
    stored is left unrendered. With SQLite (one process) :meth:`finish` renders as runs always
    did, and nothing else happens. ``enabled=False`` (``kzfeed ingest``, ``[ops] render = false``)
    only marks the feeds dirty, for another worker or ``kzfeed render`` to write them.
    """

    def __init__(self, config: Config, store: StoreProtocol, owner: str, *, enabled: bool = True) -> None:
        self._config, self._store, self._owner = config, store, owner
        self._shared = not store.runs_exclusive
        self._enabled = enabled and config.ops.render
        self._every = config.ops.render_every
        self._next_check = time.monotonic() + max(self._every, 1.0)
        self._unmarked = False  # items stored since the feeds were last marked dirty
        self._marked_at: datetime | None = None  # when this run last marked them (database clock)
        #: files written by this run's renders
        self.written: list[Path] = []
        self.rendered = False

    def after_source(self, outcome: SourceRun) -> None:
        if outcome.new or outcome.updated:
            if not self._shared and self._marked_at is None:
                # SQLite: dirty from the first change, so that a run that dies before it
                # renders leaves them for the next run to render (which would skip them)
                self._marked_at = self._store.mark_feeds_dirty()
            else:
                self._unmarked = True
        if not self._shared or time.monotonic() < self._next_check:
            return
        self._next_check = time.monotonic() + max(self._every, 1.0)
        self._mark()
        if self._enabled:
            dirty, wait = self._store.render_wanted(self._every)
            if dirty and wait <= 0:
                self._add(
                    _render_locked(self._config, self._store, self._owner, wait=False, every=self._every)
                )

    def finish(self, stop: threading.Event | None = None) -> list[Path] | None:
        """At the end of the run; the files written by this run's renders, None if it rendered none."""
        stopped = stop is not None and stop.is_set()
        if not self._shared:  # SQLite: render now unless they miss nothing; else note it for later
            if not self._enabled or stopped:
                self._mark()
            elif self._store.feeds_current(render_inputs(self._config)) and self._index_there():
                self._add(_ops_feed(self._config, self._store))  # the feeds are as they would be written
            else:
                self._add(
                    _render_locked(self._config, self._store, self._owner, wait=True, every=0.0, force=True)
                )
            return self.written if self.rendered else None
        self._mark()
        # until a render has begun after this run's last stored change (by this worker or another)
        while self._enabled and self._marked_at is not None and not (stop is not None and stop.is_set()):
            dirty, wait = self._store.render_wanted(self._every, since=self._marked_at)
            if not dirty:
                break
            if wait > 0:
                log.info(
                    "the feeds were rendered %.0f s ago; rendering again in %.1f s", self._every - wait, wait
                )
                if stop is None:
                    time.sleep(wait)
                else:
                    stop.wait(wait)
                continue
            written = _render_locked(self._config, self._store, self._owner, wait=True, every=self._every)
            if written is not None:
                self._add(written)
                break
        return self.written if self.rendered else None

    def _index_there(self) -> bool:
        return (self._config.output_dir / "index.html").is_file()

    def _mark(self) -> None:
        if self._unmarked:
            self._marked_at = self._store.mark_feeds_dirty()
            self._unmarked = False

    def _add(self, written: list[Path] | None) -> None:
        if written is not None:
            self.rendered = True
            self.written += written
