"""What the renderer reads of the stories it shows: no plain text and no named entities (no
feed or page shows them; they were ~2 MiB and ~0.1 s of a 200-feed first update's render,
docs/benchmarks.md, lean9 lane), and the same bytes written as from the items in full."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Collection
from pathlib import Path

import pytest

from conftest import CliResult
from kzfeed.models import Item
from kzfeed.storage._store import Store

STORIES = Path(__file__).parent / "data" / "stories"
CONFIG = """
[[sources]]
name = "seeds"
type = "files"
path = "seeds"
[[sources]]
name = "news"
type = "files"
path = "news"
"""

Kz = Callable[..., CliResult]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_render_reads_no_text_or_entities_and_writes_the_same_bytes(
    project: Path, write_config: Callable[..., Path], kzfeed: Kz, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(STORIES, project / "news")
    write_config(CONFIG)
    assert kzfeed("run").exit_code == 0
    public = project / "public"
    real = Store.items_of_stories
    read: list[Item] = []

    def in_full(self: Store, ids: Collection[str], *, shown_only: bool = False) -> list[Item]:
        got = real(self, ids)  # what the renderer read before: text and entities too
        read.extend(got)
        return got

    monkeypatch.setattr(Store, "items_of_stories", in_full)
    shutil.rmtree(public)
    assert kzfeed("render").exit_code == 0
    from_full = _files(public)
    assert any(i.content_text for i in read)
    assert any(i.classification and i.classification.entities for i in read)

    def recording(self: Store, ids: Collection[str], *, shown_only: bool = False) -> list[Item]:
        got = real(self, ids, shown_only=shown_only)
        read.extend(got)
        return got

    read.clear()
    monkeypatch.setattr(Store, "items_of_stories", recording)
    shutil.rmtree(public)
    assert kzfeed("render").exit_code == 0
    assert len(read) >= 10
    assert not any(i.content_text for i in read)
    assert not any(i.classification and i.classification.entities for i in read)
    assert _files(public) == from_full
