"""Coalesced rendering: whether the feeds miss stored changes, and who renders them.

New items set the ``dirty`` flag (one row of ``render_state``). A worker that wants to render
takes the render lock (a PostgreSQL session advisory lock; nothing on SQLite, where the run lock
already keeps other runs out), then :meth:`RendersMixin.begin_render` clears the flag and notes
the time (the database server's clock) before the feeds are written, so that items stored
while they are written set it again for the next render.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, or_, select, text, update

from kzfeed import clock
from kzfeed.storage._base import StoreBase
from kzfeed.storage._filelock import NoLock as _NoLock
from kzfeed.storage._locks import _AdvisoryLock
from kzfeed.storage._schema import render_state

if TYPE_CHECKING:
    from kzfeed.storage._protocol import RunLock

__all__ = ["RendersMixin"]

_RENDER_LOCK = 0x6B7A_0010  # the advisory lock held while one worker writes the feeds


class RendersMixin(StoreBase):
    """The dirty flag of the feeds and the render lock."""

    def mark_feeds_dirty(self) -> datetime:
        """Stored items changed: the feeds need rendering. Returns when it was marked (the
        database's clock): a render that begins later includes those items."""
        with self._engine.begin() as conn:
            _ensure_row(conn)
            conn.execute(update(render_state).where(render_state.c.id == 1).values(dirty=True))
            return _server_now(conn)

    def render_wanted(self, every: float, *, since: datetime | None = None) -> tuple[bool, float]:
        """``(wanted, wait)``: whether the feeds miss stored changes (with ``since``: changes
        marked then, i.e. no render began after it), and the seconds until the last render is
        ``every`` seconds old (0 when it is, or there was none)."""
        with self._engine.connect() as conn:
            row = conn.execute(select(render_state.c.dirty, render_state.c.rendered_at)).first()
            now = _server_now(conn)
        if row is None or not row.dirty:
            return False, 0.0
        if row.rendered_at is None:
            return True, 0.0
        if since is not None and row.rendered_at > since:
            return False, 0.0  # a render began after the changes of ``since`` were marked
        waited = (now - row.rendered_at).total_seconds()
        return True, max(0.0, every - waited)

    def lock_render(self, *, wait: bool) -> RunLock | None:
        """The render lock, or None when another worker holds it and ``wait`` is False."""
        if self.backend != "postgresql":
            return _NoLock()
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if wait:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _RENDER_LOCK})
        elif not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _RENDER_LOCK}).scalar_one():
            conn.close()
            return None
        return _AdvisoryLock(connection=conn, key=_RENDER_LOCK)

    def feeds_current(self, inputs: str) -> bool:
        """Whether the feeds miss nothing: not dirty, rendered, and from ``inputs`` (a digest of
        what shapes them besides the stored items, :meth:`begin_render` keeps it)."""
        query = select(render_state.c.dirty, render_state.c.rendered_at, render_state.c.inputs)
        with self._engine.connect() as conn:
            row = conn.execute(query.where(render_state.c.id == 1)).first()
        return row is not None and not row.dirty and row.rendered_at is not None and row.inputs == inputs

    def begin_render(
        self, owner: str, *, every: float = 0.0, force: bool = False, inputs: str | None = None
    ) -> bool:
        """Under the render lock: when the feeds are dirty and the last render is ``every``
        seconds old (or ``force``), clear the flag, note the time (and the render's ``inputs``,
        see :meth:`feeds_current`) and return True (render now); else False."""
        with self._engine.begin() as conn:
            _ensure_row(conn)
            query = update(render_state).where(render_state.c.id == 1)
            if not force:
                last = render_state.c.rendered_at
                query = query.where(
                    render_state.c.dirty.is_(True),
                    or_(last.is_(None), last <= _now(conn) - timedelta(seconds=every)),
                )
            done = conn.execute(
                query.values(dirty=False, rendered_at=_now(conn), rendered_by=owner, inputs=inputs)
            )
            return bool(done.rowcount)


def _now(conn: Connection) -> Any:
    """Now, as a value to store: the server's clock on PostgreSQL; on SQLite (one process)
    this machine's is the only one."""
    return func.clock_timestamp() if conn.dialect.name == "postgresql" else clock.now()


def _server_now(conn: Connection) -> datetime:
    if conn.dialect.name == "postgresql":
        now: datetime = conn.execute(select(func.clock_timestamp())).scalar_one()
        return now
    return clock.now()


def _ensure_row(conn: Connection) -> None:
    if conn.execute(select(render_state.c.id).where(render_state.c.id == 1)).first() is None:
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            conn.execute(pg_insert(render_state).values(id=1).on_conflict_do_nothing())
        else:
            conn.execute(insert(render_state).values(id=1))
