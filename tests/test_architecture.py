"""docs/architecture.md stays true to the tree: one row per module in the module map, the
public names it quotes exist, and the layers it draws are the ones tests/test_imports.py checks."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from test_imports import LAYERS

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "kzfeed"
DOC = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = DOC.index(f"\n## {title}\n")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end != -1 else None]


def _map_rows() -> list[tuple[str, str, str]]:
    """``(package cell, module path relative to src/kzfeed, description)`` per row."""
    rows, package = [], ""
    for line in _section("Module map").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[1].startswith("`"):
            continue
        package = cells[0].strip("`") or package
        module = cells[1].strip("`")
        if "/" not in module and package != "kzfeed":
            module = f"{package.rstrip('/')}/{module}"
        rows.append((package, module, cells[2]))
    return rows


def test_the_module_map_lists_every_module_once_and_nothing_else() -> None:
    listed = [module for _, module, _ in _map_rows()]
    in_tree = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if "scaffold_files" not in p.parts)
    assert len(listed) == len(set(listed)), "a module has two rows in docs/architecture.md"
    missing = sorted(set(in_tree) - set(listed))
    assert missing == [], f"add a row to the module map of docs/architecture.md for: {missing}"
    gone = sorted(set(listed) - set(in_tree))
    assert gone == [], f"the module map of docs/architecture.md lists modules that do not exist: {gone}"
    assert all(description for _, _, description in _map_rows())


def test_the_public_names_the_map_quotes_exist() -> None:
    for package, module, description in _map_rows():
        if not module.endswith("__init__.py") or "public names:" not in description:
            continue
        mod = importlib.import_module(f"kzfeed.{package.strip('/')}")
        quoted = re.findall(r"`(\w+)`", description.split("public names:", 1)[1])
        assert quoted, description
        assert [n for n in quoted if n not in mod.__all__] == [], f"{package}: {description}"


def test_the_layers_table_is_the_one_the_import_test_checks() -> None:
    rows = [
        line for line in _section("Layers (imports only go downward)").splitlines() if line.startswith("| ")
    ]
    drawn = []
    for row in rows[1:]:
        members = re.findall(r"`([\w_]+)`", row.split("|")[2])
        drawn.append(frozenset("" if m == "kzfeed" else m for m in members))
    assert drawn == list(LAYERS)


def test_every_library_decision_names_a_job_and_a_choice() -> None:
    assert DOC.count("\n## Libraries\n") == 1, "docs/architecture.md has one Libraries table; add rows to it"
    rows = [line for line in _section("Libraries").splitlines() if line.startswith("| ")][2:]
    assert len(rows) >= 10
    for row in rows:
        job, choice = (c.strip() for c in row.strip("|").split("|")[:2])
        assert job and choice, row


def test_the_readme_diagram_names_a_folder_for_every_stage_package() -> None:
    """The README's "How it works" diagram names real folders, and every stage package."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    diagram = readme.split("## How it works", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    named = set(re.findall(r"\b([a-z_]+)/", diagram))
    assert named, "the README has no diagram of the stages"
    packages = {p.parent.name for p in SRC.glob("*/__init__.py")} - {"testing", "models", "config"}
    assert named - {"public"} <= packages, f"folders that do not exist: {named - packages - {'public'}}"
    assert packages <= named, f"stage packages the diagram leaves out: {packages - named}"
