"""``kzfeed items`` and ``kzfeed export`` read the stored items a batch at a time, so their
memory stays flat however many items are stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import kzfeed.storage._items as items_module
from factories import make_item
from kzfeed.models import SourceState
from kzfeed.storage import open_store

COUNT = 1200


@pytest.fixture
def stored(project: Path, write_config: Callable[..., Path]) -> Path:
    write_config('database = "sqlite:///kz.db"\n')
    with open_store(f"sqlite:///{project / 'kz.db'}") as store:
        batch = [
            make_item(f"n{n}.txt", title=f"Story {n}", text=f"Text {n} on Astana.") for n in range(COUNT)
        ]
        store.save_source(state=SourceState(name="test", type="files"), config_hash="x", batch=batch, ok=True)
    return project


def _largest_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of every group of rows turned into items from now on."""
    sizes: list[int] = []
    real = items_module.items_from_rows

    def recording(conn: Any, rows: Any) -> Any:
        sizes.append(len(rows))
        return real(conn, rows)

    monkeypatch.setattr(items_module, "items_from_rows", recording)
    return sizes


def test_export_prints_every_item_reading_a_batch_at_a_time(
    stored: Path, kzfeed: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = _largest_read(monkeypatch)
    result = kzfeed("export")
    assert result.exit_code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == COUNT
    assert len({line["id"] for line in lines}) == COUNT
    assert max(sizes) <= 500


def test_items_lists_every_item_newest_first_reading_a_batch_at_a_time(
    stored: Path, kzfeed: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = kzfeed("items", "--limit", str(COUNT + 1)).stdout.splitlines()
    sizes = _largest_read(monkeypatch)
    result = kzfeed("items")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == everything
    assert len(everything) == COUNT
    assert max(sizes) <= 500


def test_items_says_so_when_there_are_none(
    project: Path, kzfeed: Callable[..., Any], write_config: Callable[..., Path]
) -> None:
    write_config('database = "sqlite:///empty.db"\n')
    result = kzfeed("items")
    assert result.exit_code == 0
    assert result.stdout.startswith("no items")
