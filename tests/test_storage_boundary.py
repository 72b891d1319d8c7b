"""One storage boundary: SQL, SQLAlchemy, Alembic and the engine stay inside ``kzfeed.storage``;
everything else talks to the :class:`~kzfeed.storage.StoreProtocol`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kzfeed.storage import Store, StoreProtocol

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "kzfeed"
DATABASE_LIBRARIES = {"sqlalchemy", "alembic", "sqlite3", "psycopg", "psycopg2"}


def boundary_breaches(path: Path, *, libraries: set[str]) -> list[str]:
    """Where a module outside storage imports a database library or a private storage module,
    or reaches for an engine."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    where = path.relative_to(REPO) if REPO in path.parents else path
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            if name.split(".")[0] in libraries:
                found.append(f"{where}:{node.lineno}: imports {name}")
            elif name.startswith("kzfeed.storage._"):
                found.append(f"{where}:{node.lineno}: imports private {name}")
        if isinstance(node, ast.Attribute) and node.attr in {"engine", "_engine"}:
            found.append(f"{where}:{node.lineno}: uses .{node.attr}")
    return found


def outside_storage() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if (PACKAGE / "storage") not in p.parents)


def test_no_sql_engine_or_database_library_outside_storage() -> None:
    breaches = [b for p in outside_storage() for b in boundary_breaches(p, libraries=DATABASE_LIBRARIES)]
    # benchmarks compare against plain sqlite3 on the same file; the store's engine stays private
    for p in sorted((REPO / "benchmarks").glob("*.py")):
        breaches += boundary_breaches(p, libraries={"sqlalchemy", "alembic"})
    assert breaches == [], "use a Store method instead:\n" + "\n".join(breaches)


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    bad = tmp_path / "probe.py"
    source = (
        "from sqlalchemy import text\nimport kzfeed.storage._schema\n"
        "def f(store):\n    return store.engine.connect()\n"
    )
    bad.write_text(source, encoding="utf-8")
    found = boundary_breaches(bad, libraries=DATABASE_LIBRARIES)
    assert [f.split(": ", 1)[1] for f in found] == [
        "imports sqlalchemy",
        "imports sqlalchemy.text",
        "imports private kzfeed.storage._schema",
        "uses .engine",
    ]


def _public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_")}


def test_the_protocol_lists_every_public_method_of_the_store() -> None:
    # a method callers may use but the Protocol lacks would be one a second backend can miss
    assert _public(Store) == _public(StoreProtocol)


@pytest.mark.parametrize("name", sorted(_public(StoreProtocol)))
def test_every_protocol_method_is_documented(name: str) -> None:
    assert getattr(Store, name).__doc__, f"Store.{name} needs a docstring saying what it does"
