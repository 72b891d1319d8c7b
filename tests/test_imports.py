"""Imports go downward only, and across packages only to public names (docs/architecture.md).

Every ``import`` in ``src/kzfeed`` and ``plugins/`` is read from the source (AST), including
imports inside functions and under ``TYPE_CHECKING``, so a lazy or type-only import cannot hide
a wrong-way dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "kzfeed"

#: bottom to top; "" is the package's own __init__ (the public API)
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"models", "errors", "clock", "lang", "charsets", "jsonlines", "plaintext", "_lazy"}),
    frozenset({"", "hookspecs", "sources", "config", "plugins"}),
    frozenset({"http", "articles", "classify", "storage", "stories"}),
    frozenset({"pipeline", "publish"}),
    frozenset({"ops"}),
    frozenset({"cli", "serve", "__main__", "default_plugins", "testing"}),
)
#: layers whose members must not import each other
NO_SIDEWAYS = frozenset({2})
#: type-only imports that go up, each with the reason it is allowed
TYPE_ONLY_UP = {
    ("sources", "http"): "SourceContext.http is typed as the Fetcher the pipeline passes in",
}


@dataclass(frozen=True)
class Import:
    where: str  # "kzfeed/sources.py:16"
    importer: str  # component: "sources", "articles", "" for kzfeed/__init__
    target: str  # dotted module name imported, e.g. "kzfeed.articles._extract"
    name: str | None  # the name taken from it, for `from M import name`
    type_only: bool


def _modules() -> set[str]:
    found = set()
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


MODULES = _modules()


def component(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_of(comp: str) -> int:
    for number, members in enumerate(LAYERS):
        if comp in members:
            return number
    raise AssertionError(f"kzfeed.{comp} is in no layer of tests/test_imports.py; add it to LAYERS")


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(path: Path, module: str, *, is_package: bool) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = _type_checking_lines(tree)
    where = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else path.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(
                    f"{where}:{node.lineno}", component(module), alias.name, None, node.lineno in typing_only
                )
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULES:
                    yield Import(
                        f"{where}:{node.lineno}", component(module), sub, None, node.lineno in typing_only
                    )
                else:
                    yield Import(
                        f"{where}:{node.lineno}",
                        component(module),
                        target,
                        alias.name,
                        node.lineno in typing_only,
                    )


def all_imports() -> Iterator[Import]:
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        yield from imports_of(path, module, is_package=is_package)
    for path in sorted((REPO / "plugins").glob("*.py")):
        # the example plugins stand for third-party ones: public names only, any layer
        yield from imports_of(path, "kzfeed.__main__", is_package=False)


def problems(imports: list[Import]) -> list[str]:
    found = []
    for imp in imports:
        if imp.target != "kzfeed" and not imp.target.startswith("kzfeed."):
            continue
        here, there = imp.importer, component(imp.target)
        if here == there:
            continue
        private = [
            p
            for p in [*imp.target.split(".")[2:], imp.name or ""]
            if p.startswith("_") and not p.startswith("__")
        ]
        if private:
            found.append(
                f"{imp.where}: imports private {imp.target}{'.' + imp.name if imp.name else ''}; use kzfeed.{there}'s public names"
            )
        up, down = layer_of(here), layer_of(there)
        if down > up and not (imp.type_only and (here, there) in TYPE_ONLY_UP):
            found.append(f"{imp.where}: kzfeed.{here or '__init__'} imports kzfeed.{there}, a layer above it")
        elif down == up and up in NO_SIDEWAYS:
            found.append(f"{imp.where}: kzfeed.{here} imports kzfeed.{there}, sideways in its layer")
    return found


def test_imports_go_downward_and_to_public_names_only() -> None:
    assert problems(list(all_imports())) == []


@pytest.mark.parametrize(
    ("module", "code", "expected"),
    [
        ("kzfeed.storage._httpcache", "from kzfeed.http import CacheEntry", "sideways in its layer"),
        ("kzfeed.sources", "def f():\n    from kzfeed.articles import extract_article", "a layer above it"),
        (
            "kzfeed.default_plugins.html",
            "from kzfeed.articles._extract import extract_article",
            "imports private",
        ),
        ("kzfeed.cli.core", "from kzfeed.pipeline import _run", "imports private"),
        ("kzfeed.models", "if TYPE_CHECKING:\n    from kzfeed.http import Fetcher", "a layer above it"),
        ("kzfeed.sources", "if not TYPE_CHECKING:\n    from kzfeed.http import Fetcher", "a layer above it"),
        ("kzfeed.sources", "if TYPE_CHECKING:\n    from kzfeed.http import Fetcher", None),
        ("kzfeed.ops._rounds", "from kzfeed.pipeline import Pipeline", None),
        ("kzfeed.articles._read", "from ._text import clean_text_article", None),
    ],
)
def test_the_rule_catches_a_wrong_way_import(
    tmp_path: Path, module: str, code: str, expected: str | None
) -> None:
    path = tmp_path / "probe.py"
    path.write_text(f"from typing import TYPE_CHECKING\n{code}\n", encoding="utf-8")
    found = problems(list(imports_of(path, module, is_package=False)))
    if expected is None:
        assert found == []
    else:
        (problem,) = found
        assert expected in problem
