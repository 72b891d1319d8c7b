"""docs/plugins.md stays true: every hook is documented with its signature and tested, and the
examples run."""

from __future__ import annotations

import re
import tomllib
import types
from pathlib import Path

import pytest

from kzfeed import hookspecs
from kzfeed.plugins import describe_hook, make_plugin_host

REPO = Path(__file__).resolve().parents[1]
DOC = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")
HOOKS = sorted(name for name in dir(hookspecs) if hasattr(getattr(hookspecs, name), "kzfeed_spec"))
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", DOC, re.S)
TOML_BLOCKS = re.findall(r"```toml\n(.*?)```", DOC, re.S)


def test_there_are_four_hooks() -> None:
    assert HOOKS == ["process_item", "register_classifiers", "register_commands", "register_sources"]


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_with_its_signature(hook: str) -> None:
    assert f"### `{describe_hook(hook)}`" in DOC


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook: str) -> None:
    tests = "".join(p.read_text(encoding="utf-8") for p in (REPO / "tests").glob("test_*.py"))
    assert f"def test_hook_{hook}(" in tests


@pytest.mark.parametrize("number", range(len(PYTHON_BLOCKS)))
def test_python_examples_run_and_register_without_failures(number: int) -> None:
    module = types.ModuleType(f"doc_example_{number}")
    exec(compile(PYTHON_BLOCKS[number], f"docs/plugins.md block {number}", "exec"), module.__dict__)
    host = make_plugin_host(entry_points=False, extra=[(module.__name__, module)])
    assert host.failures == []
    assert any(p.name == module.__name__ and p.hooks for p in host.loaded)


def test_the_example_source_keeps_the_contract() -> None:
    from kzfeed.testing import check_source_contract

    module = types.ModuleType("doc_sources")
    exec(PYTHON_BLOCKS[0], module.__dict__)
    (item,) = check_source_contract(module.Notice)
    assert item.title == "Kazakhstan and the EU meet in Astana"


def test_toml_examples_parse() -> None:
    tables = [tomllib.loads(block) for block in TOML_BLOCKS]
    assert tables[0]["project"]["entry-points"]["kzfeed"] == {"astana-press": "kzfeed_astana_press"}
    assert tables[1]["sources"][0]["type"] == "astana-press"


def test_the_tutorials_package_layout_is_what_plugin_new_writes() -> None:
    from kzfeed.testing._scaffold import PluginNames, render_plugin

    files = render_plugin(PluginNames.from_name("astana-press"))
    for path in files:
        if path.startswith("src/"):
            assert path in DOC
    module = files["src/kzfeed_astana_press/__init__.py"]
    for name in re.findall(r"\(`ENTRY`, `LINK`, `TITLE`, `DATE`, `LEAD`\)", DOC)[0].strip("()").split(", "):
        assert f"\n{name.strip('`')} = " in module
