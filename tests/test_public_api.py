"""``__all__`` is the public API, kept on purpose: every listed name exists, the plugin
author's API changes only with this file, and packages use each other only through it."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from test_imports import MODULES, all_imports, component

REPO = Path(__file__).resolve().parents[1]

#: what plugin authors may use (docs/plugins.md); change it deliberately, with the docs
PLUGIN_API = {
    "kzfeed": [
        "TOPICS",
        "Classification",
        "Classifier",
        "ConfigError",
        "Document",
        "Entity",
        "Evidence",
        "FetchError",
        "InputError",
        "Item",
        "ItemContext",
        "KzfeedError",
        "PluginError",
        "RawItem",
        "Source",
        "SourceContext",
        "SourceError",
        "SourceState",
        "StorageError",
        "Topic",
        "TopicTag",
        "__version__",
        "check_options",
        "hookimpl",
    ],
    "kzfeed.testing": [
        "LocalHTTPServer",
        "check_source_contract",
        "fixtures_dir_of",
        "item_problems",
        "new_plugin",
        "offline_fetcher",
        "run_source",
        "serve_fixtures",
        "source_types_of",
    ],
}
#: modules whose ``__all__`` is their interface: the package, every stage package and every
#: top-level module
PUBLIC_MODULES = sorted(m for m in MODULES if m.count(".") <= 1 and m != "kzfeed.__main__")


@pytest.mark.parametrize("module", sorted(PLUGIN_API))
def test_the_plugin_api_is_what_this_test_lists(module: str) -> None:
    assert importlib.import_module(module).__all__ == PLUGIN_API[module]


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_name_in_all_exists_once(module: str) -> None:
    mod = importlib.import_module(module)
    names = getattr(mod, "__all__", None)
    assert names is not None, f"{module} has no __all__"
    assert len(names) == len(set(names)), f"{module}.__all__ lists a name twice"
    missing = [name for name in names if not hasattr(mod, name)]
    assert missing == [], f"{module}.__all__ lists names it does not have"


def test_packages_use_each_other_only_through_all() -> None:
    outside = []
    for imp in all_imports():
        if not imp.target.startswith("kzfeed") or imp.name is None or imp.target not in PUBLIC_MODULES:
            continue
        if component(imp.target) == imp.importer and imp.target != "kzfeed":
            continue
        if imp.name not in importlib.import_module(imp.target).__all__:
            outside.append(f"{imp.where}: {imp.target}.{imp.name} is not in {imp.target}.__all__")
    assert outside == []


def test_the_plugin_docs_name_only_public_modules() -> None:
    docs = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")
    private = sorted(set(re.findall(r"kzfeed(?:\.\w+)*\._\w+", docs)) - {"kzfeed.__version__"})
    assert private == []
    for dotted in set(re.findall(r"`(kzfeed(?:\.\w+)+)", docs)):
        module, _, name = dotted.rpartition(".")
        if dotted in MODULES or ".".join(dotted.split(".")[:2]) not in MODULES:
            continue  # a module, or not a Python name at all ("kzfeed.toml")
        assert module in MODULES and name in importlib.import_module(module).__all__, dotted
