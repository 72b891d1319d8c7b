"""A SQLite run that stored nothing new leaves the feeds as they are (they would be written
byte for byte the same), and renders them whenever they might miss something: items stored,
stories rebuilt, a run that died before rendering, other settings, a folder without its index."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Collection
from pathlib import Path

import pytest

from conftest import CliResult
from kzfeed.config import load_config
from kzfeed.models import Item
from kzfeed.ops import CoalescedRenderer
from kzfeed.storage import open_store
from kzfeed.storage._store import Store
from test_render_incremental import _rendered

STORIES = Path(__file__).parent / "data" / "stories"
CONFIG = """
title = "{title}"
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


@pytest.fixture
def public(project: Path, write_config: Callable[..., Path], kzfeed: Kz) -> Path:
    shutil.copytree(STORIES, project / "news")
    write_config(CONFIG.format(title="Kazakhstan news"))
    result = kzfeed("run")
    assert result.exit_code == 0, result.stderr
    return project / "public"


def _files(public: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(public.rglob("*")) if p.is_file()}


def _published(public: Path) -> str:
    return b"\n".join(_files(public).values()).decode("utf-8", "replace")


def _late_news(project: Path, title: str) -> None:
    """A new report in the ``news`` folder: the fixture's first, retitled and reworded."""
    original = (STORIES / "original.txt").read_text(encoding="utf-8").split("\n", 1)[1]
    text = original.replace("Tuesday", "Friday").replace("roadmap", "plan")
    (project / "news" / "late.txt").write_text(f"{title}\n{text}", encoding="utf-8")


def test_a_run_that_stores_nothing_new_renders_nothing_and_says_the_same(
    public: Path, kzfeed: Kz, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _files(public)
    rendered = _rendered(monkeypatch)
    again = kzfeed("run", "--all")  # every source read again: nothing new
    assert again.exit_code == 0, again.stderr
    assert "new items: none" in again.stdout
    assert f"feeds: 0 file(s) changed in {public}" in again.stdout
    assert rendered == []
    assert _files(public) == before


def test_new_items_are_rendered(
    public: Path, project: Path, kzfeed: Kz, monkeypatch: pytest.MonkeyPatch
) -> None:
    _late_news(project, "Kazakhstan and the EU sign a lithium plan in Brussels")
    rendered = _rendered(monkeypatch)
    done = kzfeed("run", "--all")
    assert done.exit_code == 0, done.stderr
    assert rendered
    assert "sign a lithium plan in Brussels" in _published(public)


def test_a_run_renders_after_the_title_changes(
    public: Path, write_config: Callable[..., Path], kzfeed: Kz
) -> None:
    write_config(CONFIG.format(title="Steppe wire"))
    done = kzfeed("run", "--all")
    assert done.exit_code == 0, done.stderr
    assert "Steppe wire" in (public / "index.html").read_text(encoding="utf-8")


def test_a_run_renders_into_a_folder_that_lost_its_index(public: Path, kzfeed: Kz) -> None:
    (public / "index.html").unlink()
    done = kzfeed("run", "--all")
    assert done.exit_code == 0, done.stderr
    assert (public / "index.html").is_file()


def test_a_run_renders_what_an_earlier_run_stored_and_did_not_render(
    public: Path, kzfeed: Kz, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(load_config(None).database) as store:
        store.mark_feeds_dirty()  # what a run that stored items and died before rendering leaves
    rendered = _rendered(monkeypatch)
    done = kzfeed("run", "--all")
    assert done.exit_code == 0, done.stderr
    assert rendered
    rendered.clear()
    assert kzfeed("run", "--all").exit_code == 0
    assert rendered == []  # rendered once, then current


def test_a_run_that_died_before_rendering_leaves_its_items_to_the_next(
    public: Path, project: Path, kzfeed: Kz, monkeypatch: pytest.MonkeyPatch
) -> None:
    _late_news(project, "Kazakhstan and the EU sign a lithium plan in Brussels")

    def killed(*_args: object, **_kwargs: object) -> None:
        raise SystemExit(137)  # the process ends between storing and rendering

    with monkeypatch.context() as patched:
        patched.setattr(CoalescedRenderer, "finish", killed)
        assert kzfeed("run", "--all").exit_code == 137
    assert "sign a lithium plan in Brussels" not in _published(public)
    done = kzfeed("run", "--all")  # the item is stored now: this run brings nothing new
    assert done.exit_code == 0, done.stderr
    assert "new items: none" in done.stdout
    assert "sign a lithium plan in Brussels" in _published(public)


def test_stories_rebuild_leaves_the_feeds_for_the_next_run(
    public: Path, kzfeed: Kz, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert kzfeed("stories", "--rebuild").exit_code == 0
    rendered = _rendered(monkeypatch)
    assert kzfeed("run", "--all").exit_code == 0
    assert rendered


def test_a_render_reads_each_story_once_however_many_feeds_show_it(
    public: Path, kzfeed: Kz, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    real = Store.items_of_stories

    def counting(self: Store, ids: Collection[str], *, shown_only: bool = False) -> list[Item]:
        asked.extend(ids)
        return real(self, ids, shown_only=shown_only)

    monkeypatch.setattr(Store, "items_of_stories", counting)
    before = _files(public)
    assert kzfeed("render").exit_code == 0
    assert len(set(asked)) >= 3  # stories shown by the main feed and by topic feeds
    assert sorted(asked) == sorted(set(asked))
    assert _files(public) == before
