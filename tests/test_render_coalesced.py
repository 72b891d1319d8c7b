"""Rendering coalesced across workers on PostgreSQL (and, with SQLite, as runs always did): the feeds are written at most once per
``[ops] render_every``, by one worker at a time, and never left without what a run stored."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kzfeed.config import load_config
from kzfeed.ops import CoalescedRenderer
from kzfeed.storage import open_store

KZFEED = [sys.executable, "-c", "from kzfeed.cli import main; main()"]
REPO = Path(__file__).resolve().parents[1]
EVERY = 4.0


def two_sources(project: Path, database_url: str) -> dict[str, str]:
    """Sources ``a`` and ``b``, one seed article each; their titles."""
    seeds = sorted((REPO / "seeds").glob("*.txt"))
    titles = {}
    for name, seed in zip(("a", "b"), seeds, strict=False):
        (project / name).mkdir()
        shutil.copy(seed, project / name / seed.name)
        title = seed.read_text(encoding="utf-8").splitlines()[0]
        # a run of the title without quotes (escaped in HTML), in lower case (titles are recased)
        titles[name] = max(title.replace("’", "'").split("'"), key=len).strip()[:40].lower()
    (project / "kzfeed.toml").write_text(
        f'database = "{database_url}"\n[ops]\nrender_every = "{EVERY:g}s"\n'
        '[[sources]]\nname = "a"\ntype = "files"\npath = "a"\n'
        '[[sources]]\nname = "b"\ntype = "files"\npath = "b"\n',
        encoding="utf-8",
    )
    open_store(database_url).close()
    return titles


def run(project: Path, *args: str, worker: str = "w1") -> tuple[dict[str, object], float]:
    start = time.monotonic()
    done = subprocess.run(
        [*KZFEED, *args],
        cwd=project,
        env={**os.environ, "KZFEED_WORKER": worker},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout) if "--json" in args else {"out": done.stdout}
    return summary, time.monotonic() - start


def published(project: Path) -> str:
    files = (project / "public").rglob("*")
    return "\n".join(p.read_text(errors="replace") for p in files if p.is_file()).lower()


@pytest.mark.postgres
def test_a_second_worker_renders_its_items_once_render_every_has_passed(
    project: Path, pg_server: object
) -> None:
    database_url = pg_server.create_database()  # type: ignore[attr-defined]
    titles = two_sources(project, database_url)
    first, _ = run(project, "run", "--json", "--source", "a", worker="w1")
    assert first["rendered"] is True
    rendered_at = time.monotonic()
    assert titles["a"] in published(project)
    # another worker stores b right after: the feeds were written less than render_every ago,
    # so it waits for that, then writes them (b is not left out until some later run)
    second, _ = run(project, "run", "--json", "--source", "b", worker="w2")
    assert second["rendered"] is True
    assert time.monotonic() - rendered_at >= EVERY - 0.5
    assert titles["b"] in published(project)
    # a run that stored nothing new renders nothing (and does not wait: below)
    third, _ = run(project, "run", "--json", "--source", "a", worker="w3")
    assert third["rendered"] is False
    again, _ = run(project, "render", "--if-dirty")
    assert "nothing new since the last render" in str(again["out"])
    forced, _ = run(project, "render")
    assert "file(s) changed" in str(forced["out"])


def test_ingest_leaves_the_feeds_dirty_for_the_next_render(project: Path, database_url: str) -> None:
    titles = two_sources(project, database_url)
    run(project, "ingest", "--source", "a")
    assert not (project / "public").exists() or titles["a"] not in published(project)
    done, _ = run(project, "render", "--if-dirty")
    assert "file(s) changed" in str(done["out"])
    assert titles["a"] in published(project)
    done, _ = run(project, "render", "--if-dirty")
    assert "nothing new since the last render" in str(done["out"])


@pytest.mark.postgres
def test_a_run_that_stored_nothing_neither_waits_nor_renders(project: Path, pg_server: object) -> None:
    database_url = pg_server.create_database()  # type: ignore[attr-defined]
    two_sources(project, database_url)
    (project / "kzfeed.toml").write_text(
        (project / "kzfeed.toml").read_text().replace(f'"{EVERY:g}s"', '"1h"'), encoding="utf-8"
    )
    config = load_config(project / "kzfeed.toml")
    with open_store(database_url) as store:
        store.mark_feeds_dirty()  # another worker's items, and a render a moment ago
        store.begin_render("other", force=True)
        store.mark_feeds_dirty()
        start = time.monotonic()
        assert CoalescedRenderer(config, store, "w1").finish() is None
        assert time.monotonic() - start < 5  # not the hour render_every would make it wait
        assert store.render_wanted(3600.0)[0]  # still dirty: for the worker that stored them
