"""The source contract, applied to every registered source type: built-in and in plugins/."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzfeed.plugins import make_plugin_host
from kzfeed.testing import check_source_contract

REPO = Path(__file__).resolve().parents[1]
SOURCE_TYPES = make_plugin_host(plugins_dirs=[REPO / "plugins"], entry_points=False).source_types()
#: the pages the built-in source types' examples fetch (not shipped in the wheel)
BUILTIN_FIXTURES = REPO / "tests" / "fixtures" / "default_plugins"


def test_every_source_type_is_covered() -> None:
    assert {"files", "govkz-press"} <= set(SOURCE_TYPES)


@pytest.mark.parametrize("type_name", sorted(SOURCE_TYPES))
def test_source_contract(type_name: str) -> None:
    source_class = SOURCE_TYPES[type_name]
    builtin = source_class.__module__.startswith("kzfeed.default_plugins.")
    items = check_source_contract(source_class, type_name, fixtures_dir=BUILTIN_FIXTURES if builtin else None)
    assert items


def test_no_test_fixtures_are_shipped_inside_the_package() -> None:
    package = REPO / "src" / "kzfeed"
    assert sorted(str(p.relative_to(package)) for p in package.rglob("fixtures")) == []
    assert (BUILTIN_FIXTURES / "astanatimes" / "feed.xml").is_file()
