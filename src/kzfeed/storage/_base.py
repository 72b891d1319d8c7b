"""What every part of the Store shares: the engine (private to ``kzfeed.storage``) and its life."""

from __future__ import annotations

import functools
import hashlib
import importlib
from collections.abc import Iterator, Sequence
from typing import Any, Self

from sqlalchemy import Engine, Table

__all__ = ["StoreBase", "advisory_key", "chunks", "like_prefix", "upsert"]


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


@functools.lru_cache(maxsize=16)
def upsert(dialect: str, table: Table) -> Any:
    """The INSERT of rows of ``table`` that replaces the other columns of a row whose primary
    key is stored (``ON CONFLICT ... DO UPDATE``, SQLite and PostgreSQL alike): one statement
    where a SELECT of the keys stored, then an UPDATE and an INSERT, took three. Built once per
    table; None for another database (the caller does it in three)."""
    if dialect not in ("sqlite", "postgresql"):
        return None
    # only the database's own dialect (importing PostgreSQL's costs a SQLite run ~50 ms)
    statement = importlib.import_module(f"sqlalchemy.dialects.{dialect}").insert(table)
    keys = list(table.primary_key.columns)
    others = {c.name: statement.excluded[c.name] for c in table.columns if c not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=others)
