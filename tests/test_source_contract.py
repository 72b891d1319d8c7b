"""The source contract, applied to every registered source type: built-in and in plugins/."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzfeed.plugins import make_plugin_host
from kzfeed.testing import check_source_contract

REPO = Path(__file__).resolve().parents[1]
SOURCE_TYPES = make_plugin_host(plugins_dirs=[REPO / "plugins"], entry_points=False).source_types()


def test_every_source_type_is_covered() -> None:
    assert {"files", "govkz-press"} <= set(SOURCE_TYPES)


@pytest.mark.parametrize("type_name", sorted(SOURCE_TYPES))
def test_source_contract(type_name: str) -> None:
    items = check_source_contract(SOURCE_TYPES[type_name], type_name)
    assert items
