"""The newest migration that ships with kzfeed, read from the files without Alembic.

Opening a database that is already at the newest revision must not import Alembic (with Mako
and Pygments it takes ~0.15 s), nor parse every migration (``ast.parse`` of the folder took
~30 ms): each file's module-level ``revision = …`` and ``down_revision = …`` lines are read with
a regular expression and their values with :func:`ast.literal_eval`. A file whose lines cannot
be read so makes the head unknown (None), and Alembic decides. Standard library only: the
SQLAlchemy store (``_migrate``) and the ``sqlite3`` reader (``_lite``) both compare with it.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from kzfeed.errors import StorageError

__all__ = ["migrations_dir", "shipped_head", "shipped_revisions"]

_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.*?)\s*(?:#.*)?$", re.MULTILINE)


def migrations_dir() -> Path:
    """The migrations folder: inside the installed package, else the source checkout's."""
    here = Path(__file__).resolve().parent.parent  # src/kzfeed
    for candidate in (here / "migrations", here.parent.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise StorageError("kzfeed's migrations folder is missing; reinstall kzfeed")


@functools.cache
def shipped_revisions() -> frozenset[str] | None:
    """Every revision of the migration files (None when a file cannot be read)."""
    return None if (graph := _graph()) is None else frozenset(graph[0])


@functools.cache
def shipped_head() -> str | None:
    """The newest revision of the migration files: the one no other names as its
    ``down_revision`` (None when that is not exactly one, or a file cannot be read, so that
    Alembic decides)."""
    graph = _graph()
    if graph is None:
        return None
    heads = graph[0] - graph[1]
    return heads.pop() if len(heads) == 1 else None


def _graph() -> tuple[set[str], set[str]] | None:
    """(the revisions, the revisions some other names as its down revision) of the migration
    files; None when a file cannot be read."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (migrations_dir() / "versions").glob("*.py"):
        try:
            found = _revision_of(path.read_text(encoding="utf-8"))
        except ValueError:
            return None
        if found is not None:
            revisions.add(found[0])
            parents.update(found[1])
    return revisions, parents


def _revision_of(source: str) -> tuple[str, tuple[str, ...]] | None:
    """``(revision, down revisions)`` of one migration file's text; None when it names no
    revision (not a migration). Raises ``ValueError`` when its lines cannot be read."""
    values: dict[str, object] = {}
    for name, value in _LINE.findall(source):
        try:
            values.setdefault(name, ast.literal_eval(value))
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise ValueError(f"{name} = {value}") from None
    revision = values.get("revision")
    if not isinstance(revision, str):
        return None
    if "down_revision" not in values:
        raise ValueError("no down_revision")
    down = values["down_revision"]
    if down is None:
        return revision, ()
    if isinstance(down, str):
        return revision, (down,)
    if isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
        return revision, tuple(down)
    raise ValueError(f"down_revision = {down!r}")
