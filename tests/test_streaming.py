"""``kzfeed items``, ``export``, ``render``, ``stories --rebuild`` and ``reclassify`` read the
stored items a batch at a time, so their memory stays flat however many items are stored."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import kzfeed.storage._heads as heads_module
import kzfeed.storage._items as items_module
import kzfeed.storage._stories as stories_module
from factories import make_item
from kzfeed.models import SourceState
from kzfeed.storage import Store, open_store

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
    """The sizes of every group of rows turned into items from now on (by any reader)."""
    sizes: list[int] = []
    real = items_module.items_from_rows

    def recording(conn: Any, rows: Any, **kwargs: Any) -> Any:
        sizes.append(len(rows))
        return real(conn, rows, **kwargs)

    for module in (items_module, heads_module, stories_module):
        monkeypatch.setattr(module, "items_from_rows", recording)
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


def _reads_and_writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """ "read" for every group of rows turned into items, "write" for every file written and
    every batch of stories stored, in the order they happen from now on."""
    events: list[str] = []
    real_read, real_replace = items_module.items_from_rows, os.replace
    real_save = Store.save_stories

    def reading(conn: Any, rows: Any, **kwargs: Any) -> Any:
        events.append("read")
        return real_read(conn, rows, **kwargs)

    def replacing(src: Any, dst: Any) -> None:
        events.append("write")
        real_replace(src, dst)

    def saving(store: Store, assigned: Any, **options: Any) -> int:
        events.append("write")
        return real_save(store, assigned, **options)

    for module in (items_module, heads_module, stories_module):
        monkeypatch.setattr(module, "items_from_rows", reading)
    monkeypatch.setattr(os, "replace", replacing)
    monkeypatch.setattr(Store, "save_stories", saving)
    return events


def _writes_while_reading(events: list[str]) -> bool:
    """Whether something was written before the last read (not everything read first)."""
    return "write" in events and events.index("write") < len(events) - 1 - events[::-1].index("read")


def test_render_and_stories_rebuild_write_as_they_read(
    stored: Path, kzfeed: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _reads_and_writes(monkeypatch)
    assert kzfeed("render").exit_code == 0
    assert len(list((stored / "public" / "items").glob("*.html"))) == COUNT  # a page each (no link)
    assert _writes_while_reading(events)
    events.clear()
    assert kzfeed("stories", "--rebuild").exit_code == 0
    assert _writes_while_reading(events)


def _on_a_terminal(project: Path, *args: str) -> tuple[int, str]:
    """Run ``kzfeed ARGS`` with its standard error on a pseudo-terminal: (exit code, what it showed)."""
    leader, follower = pty.openpty()
    shown: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(leader, 4096)
            except OSError:  # the terminal closed
                return
            if not data:
                return
            shown.append(data)

    reader = threading.Thread(target=read)
    reader.start()
    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
    proc = subprocess.run(
        [sys.executable, "-m", "kzfeed", *args], cwd=project, env=env, stdout=subprocess.PIPE, stderr=follower
    )
    os.close(follower)
    reader.join(timeout=30)
    os.close(leader)
    return proc.returncode, b"".join(shown).decode(errors="replace") + proc.stdout.decode()


def test_reclassify_shows_progress_on_a_terminal_and_nothing_with_quiet(stored: Path) -> None:
    code, shown = _on_a_terminal(stored, "reclassify", "--batch-size", "100")
    assert code == 0, shown
    assert "Items" in shown and "100%" in shown and f"{COUNT:,}" in shown
    assert f"{COUNT} item(s) classified again" in shown
    code, shown = _on_a_terminal(stored, "-q", "reclassify", "--batch-size", "100")
    assert code == 0, shown
    assert shown == ""


def test_stories_rebuild_shows_progress_on_a_terminal(stored: Path) -> None:
    code, shown = _on_a_terminal(stored, "stories", "--rebuild")
    assert code == 0, shown
    assert "Items" in shown and "100%" in shown and f"{COUNT:,}" in shown
    assert "stories rebuilt:" in shown


def test_stories_lists_every_story_once_each_page_from_where_the_last_ended(
    stored: Path, kzfeed: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``kzfeed stories --all`` pages through the stories 200 at a time. The 1,200 stored here
    were first seen at the same instant (one batch), so every page boundary falls between stories
    of the same date: none may be listed twice or left out. And no page is read by skipping the
    pages before it (``OFFSET``: the last page of 100k stored items read them all)."""
    from sqlalchemy import Engine, event

    statements: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        statements.append((" ".join(statement.split()), parameters))

    event.listen(Engine, "before_cursor_execute", note)
    try:
        result = kzfeed("stories", "--all")
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    assert result.exit_code == 0, result.stderr
    heads = [line.split()[0] for line in result.stdout.splitlines() if "report(s)" in line]
    with open_store(f"sqlite:///{stored / 'kz.db'}") as store:
        ids = sorted(item.id for item in store.iter_items())
    assert heads == [i[:8] for i in ids]  # same date: by id, each once
    pages = [params for s, params in statements if s.startswith("SELECT stories.id")]
    assert len(pages) >= COUNT // 200
    assert [params[-1] for params in pages] == [0] * len(pages)  # (SQLite: LIMIT ? OFFSET 0)


def test_a_full_render_never_holds_every_story_or_item_id(
    stored: Path, kzfeed: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A render of a folder never rendered (or after ``reclassify``) writes every page and
    removes the pages no longer shown: the ids it keeps in hand at once are a batch, not every
    story and item stored (1,200 here, each a story of its own with a page of its own)."""
    sizes: list[int] = []
    for name in ("stories_by_arrival", "item_links_of", "stories_among", "items_by_id"):
        real = getattr(Store, name, None)
        if real is None:  # (a reader the store does not have)
            continue

        def recording(store: Store, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            found = _real(store, *args, **kwargs)
            sizes.append(len(found))
            return found

        monkeypatch.setattr(Store, name, recording)
    (stored / "public" / "stories").mkdir(parents=True)
    (stored / "public" / "stories" / "gone.html").write_text("left over", encoding="utf-8")
    result = kzfeed("render")
    assert result.exit_code == 0, result.stderr
    assert len(list((stored / "public" / "items").glob("*.html"))) == COUNT
    assert not (stored / "public" / "stories" / "gone.html").exists()
    assert sizes and max(sizes) <= 500
