"""Which sources a run works on: the due ones, claimed a batch at a time.

With claims (``kzfeed.ops`` runs the pipeline so), a run asks the database for due sources in
one statement per batch (``kzfeed.storage.SourceLeases``), working on at most ``batch`` at once
and claiming again when half of them are done, until none is left: several workers on one
PostgreSQL database share the sources this way, and on SQLite the same steps only read which
are due. Without claims (the pipeline used as a library) every source is worked on.
"""

from __future__ import annotations

from collections.abc import Sequence

from kzfeed.storage import SourceLeases

__all__ = ["DueSources"]


class DueSources:
    """The sources of one run still to claim, and the claims made so far."""

    def __init__(self, claims: SourceLeases | None, names: Sequence[str], *, due_only: bool) -> None:
        self._claims = claims
        self._left = dict.fromkeys(names)  # in config order
        self._due_only = due_only
        self._drained = False
        #: the sources this run holds a claim on (finished or given back as they end)
        self.claimed: set[str] = set()

    def skip(self, name: str) -> None:
        """Not to be claimed in this run (paused)."""
        self._left.pop(name, None)

    def more(self, in_hand: int) -> list[str]:
        """The next sources to work on, ``in_hand`` being worked on now: a new batch once half
        of the last one is done; empty once nothing is left to claim."""
        if self._drained or not self._left:
            return []
        if self._claims is None:  # no claims: every source at once
            self._drained = True
            names, self._left = list(self._left), {}
            return names
        batch = max(1, self._claims.batch)
        if in_hand > batch // 2:
            return []
        got = self._claims.claim(list(self._left), limit=batch - in_hand, due_only=self._due_only)
        if not got:
            self._drained = True  # nothing due now (or all in other workers' hands)
        for name in got:
            self._left.pop(name, None)
        self.claimed.update(got)
        return got

    @property
    def forced(self) -> bool:
        """Every source is worked on, due or not (``--all``, ``--refetch``, ``--source``)."""
        return not self._due_only

    @property
    def left(self) -> list[str]:
        """The sources not claimed in this run (not due, or in another worker's hand)."""
        return list(self._left)

    def finish(self, due_in: dict[str, float]) -> None:
        """These claimed sources are done: due again in that many seconds."""
        mine = {n: s for n, s in due_in.items() if n in self.claimed}
        if self._claims is not None and mine:
            self._claims.finish(mine)
        self.claimed.difference_update(mine)

    def written(self, due_in: dict[str, float]) -> None:
        """These claimed sources are done, their due times written with what they stored."""
        self.claimed.difference_update(due_in)

    def drop(self, name: str) -> None:
        """Give a claimed source back unfetched (a stop signal)."""
        if self._claims is not None and name in self.claimed:
            self._claims.drop([name])
        self.claimed.discard(name)
