"""What every part of the Store shares: the engine (private to ``kzfeed.storage``) and its life."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Sequence
from typing import Self

from sqlalchemy import Engine

__all__ = ["StoreBase", "advisory_key", "chunks", "like_prefix"]


class StoreBase:
    """The engine behind a :class:`~kzfeed.storage.Store`; each table group adds a mixin on top."""

    _engine: Engine

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def backend(self) -> str:
        """The database kind: ``"sqlite"`` or ``"postgresql"``."""
        return str(self._engine.dialect.name)

    @functools.cached_property
    def _autocommit(self) -> Engine:
        """The engine whose statements each commit by themselves: no BEGIN and COMMIT round
        trips around a statement that is a transaction alone (PostgreSQL workers' host turns
        and finished sources, several per source)."""
        return self._engine.execution_options(isolation_level="AUTOCOMMIT")

    def close(self) -> None:
        """Close every connection of this store."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def advisory_key(name: str) -> int:
    """The PostgreSQL advisory lock key (a signed 64-bit number) of the lock called ``name``."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def like_prefix(prefix: str) -> str:
    """A ``LIKE`` pattern (with ``escape="\\"``) for values starting with ``prefix``."""
    return prefix.replace("%", r"\%") + "%"


def chunks(seq: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    """``seq`` in slices of ``size``: an ``IN (...)`` list stays under the backends' limits."""
    for i in range(0, len(seq), size):
        yield seq[i : i + size]
