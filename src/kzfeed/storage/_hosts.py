"""Politeness shared by every worker of one PostgreSQL database: host turns and robots.txt.

Each request to a host takes a *turn* (:meth:`HostsMixin.take_host_turn`): a row in
``host_turns`` while it runs, so that at most ``concurrency`` run at once across the fleet, and a
start time reserved on ``host_gates.next_start``, so that starts are ``min_delay`` apart (one
call of a database function, and one statement to end it: two round trips a request). Times are
the database server's clock (``clock_timestamp()``), never a worker's. A turn whose worker died
ends by itself at its ``until``. robots.txt of a site is fetched by one worker at a time (an
advisory lock per site) and kept in ``robots_txt`` for the others.

The fetcher (``kzfeed.http``) knows nothing of this module: it is handed the store as its
``HostTurns``/``SharedRobots`` (see ``kzfeed.http._polite``). On SQLite (one process) the
fetcher keeps both in memory and nothing here is called.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, func, or_, select, text

from kzfeed.storage._base import StoreBase, advisory_key
from kzfeed.storage._schema import host_turns, robots_txt, workers

__all__ = ["HostsMixin"]

_NOW = func.clock_timestamp()  # the server's clock now, not the transaction's start


class HostsMixin(StoreBase):
    """Per-host turns and robots.txt, shared by the workers of one PostgreSQL database."""

    def take_host_turn(
        self, host: str, *, holder: str, concurrency: int, min_delay: float, hold: float
    ) -> tuple[int | None, float]:
        """Reserve the next turn to send a request to ``host``.

        Returns ``(turn, wait)``: the turn's id and the seconds to wait before sending, or
        ``(None, 0.0)`` when ``concurrency`` turns of other requests are running (ask again a
        little later). The turn ends with :meth:`end_host_turn`, or by itself ``hold`` seconds
        after its start (its worker died).

        One statement, in a transaction of its own: the function ``kzfeed_take_host_turn``
        (migration ``fleet_turns``) locks the host's row in ``host_gates``, counts the turns
        running, reserves the next start ``min_delay`` after the last and inserts the turn."""
        with self._autocommit.connect() as conn:
            turn, wait = conn.execute(
                text("SELECT turn, wait FROM kzfeed_take_host_turn(:h, :who, :n, :delay, :hold)"),
                {"h": host, "who": holder, "n": concurrency, "delay": min_delay, "hold": hold},
            ).one()
        return (None, 0.0) if turn is None else (int(turn), max(0.0, float(wait)))

    def end_host_turn(self, host: str, turn: int) -> None:
        """The request of ``turn`` is over (and turns of that host left by dead workers go too)."""
        with self._autocommit.connect() as conn:
            conn.execute(
                delete(host_turns).where(
                    or_(host_turns.c.id == turn, (host_turns.c.host == host) & (host_turns.c.until <= _NOW))
                )
            )

    def workers_on_host(self, host: str, *, lease_seconds: float) -> int:
        """How many workers of machine ``host`` are working now (their heartbeat is younger
        than ``lease_seconds``); 0 on SQLite, where workers are not recorded."""
        if self.backend != "postgresql":
            return 0
        with self._engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).where(
                        workers.c.host == host,
                        workers.c.heartbeat_at > func.now() - timedelta(seconds=lease_seconds),
                    )
                ).scalar_one()
            )

    def shared_robots(
        self, origin: str, fetch: Callable[[], tuple[int, str]], *, max_age: Callable[[int], float]
    ) -> tuple[int, str]:
        """robots.txt of ``origin`` as ``(status, text)``: the stored copy while it is younger than
        ``max_age(status)`` seconds, else ``fetch()``'s answer, stored for the other workers.

        One worker fetches at a time (an advisory lock on the site, held while it fetches):
        the others wait for it and read what it stored."""
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        with self._engine.begin() as conn:
            conn.execute(
                text("SELECT pg_advisory_xact_lock(:k)"), {"k": advisory_key(f"kzfeed-robots:{origin}")}
            )
            row = conn.execute(
                select(
                    robots_txt.c.status, robots_txt.c.body, (_NOW - robots_txt.c.fetched_at).label("age")
                ).where(robots_txt.c.origin == origin)
            ).first()
            if row is not None and row.age.total_seconds() < max_age(int(row.status)):
                return int(row.status), str(row.body)
            status, body = fetch()
            body = body.replace("\x00", "")  # PostgreSQL text cannot hold NUL
            values = {"fetched_at": _NOW, "status": status, "body": body}
            upsert = pg_insert(robots_txt).values(origin=origin, **values)
            conn.execute(upsert.on_conflict_do_update(index_elements=["origin"], set_=values))
        return status, body
