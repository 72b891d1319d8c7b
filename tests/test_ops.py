"""Operating kzfeed: the run lock, status, the operator feed, retention and search."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import CliResult
from factories import make_item
from feedcheck import assert_valid_atom, parse_feed
from kzfeed.models import SourceState
from kzfeed.ops._lock import acquire_run_lock
from kzfeed.storage import open_store

Kz = Callable[..., CliResult]
KZFEED = [sys.executable, "-c", "from kzfeed.cli import main; main()"]


def lock_holder(project: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process that holds the run lock for ``seconds`` (then releases it)."""
    holder = subprocess.Popen(
        [*KZFEED[:2], "import time; from kzfeed.storage import open_store; from kzfeed.ops._lock import "
         f"acquire_run_lock as a; l = a(open_store('sqlite:///{project}/var/kzfeed.db'), worker='w'); "
         f"print('locked', flush=True); time.sleep({seconds}); l.release()"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_a_second_run_while_one_holds_the_lock_exits_0_with_one_line(kzfeed: Kz, project: Path) -> None:
    store = open_store(f"sqlite:///{project / 'var' / 'kzfeed.db'}")
    lock = acquire_run_lock(store, worker="w")
    try:
        result = kzfeed("run")
        assert result.exit_code == 0
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1
        assert "another kzfeed run is in progress (pid" in result.stderr
        started = time.monotonic()
        waited = kzfeed("run", "--wait", "0.5")
        assert waited.exit_code == 0 and time.monotonic() - started >= 0.5
        assert "another kzfeed run is in progress" in waited.stderr
    finally:
        lock.release()
        store.close()
    assert "seeds: 5 new" in kzfeed("run").stdout


def test_a_run_waits_for_the_lock_to_be_released(kzfeed: Kz, project: Path) -> None:
    holder = lock_holder(project, 1.0)
    result = kzfeed("run", "--wait", "20")
    holder.communicate()
    assert result.exit_code == 0, result.stderr
    assert "seeds: 5 new" in result.stdout


def test_a_lock_left_by_a_killed_run_is_taken_over(kzfeed: Kz, project: Path) -> None:
    holder = lock_holder(project, 60)
    os.kill(holder.pid, signal.SIGKILL)
    holder.communicate()
    result = kzfeed("run")
    assert result.exit_code == 0
    assert "seeds: 5 new" in result.stdout
    assert f"previous run (pid {holder.pid}" in result.stderr


def test_the_run_lock_on_each_backend(database_url: str) -> None:
    from kzfeed.errors import LockBusy

    first, second = open_store(database_url), open_store(database_url)
    lock = acquire_run_lock(first, worker="w")
    try:
        with pytest.raises(LockBusy) as busy:
            acquire_run_lock(second, worker="w", wait=0.3)
        if first.backend == "sqlite":
            # one file lock per database file; the refusal says who holds it
            assert f"pid {os.getpid()} on " in busy.value.holder
            with pytest.raises(LockBusy):
                acquire_run_lock(second, worker="another", wait=0)
        else:
            # one advisory lock per worker: workers on other machines share the database
            assert busy.value.holder == "worker 'w' is running against this database"
            acquire_run_lock(second, worker="another").release()
    finally:
        lock.release()
        lock.release()  # twice is harmless
    again = acquire_run_lock(second, worker="w")
    assert again.recovered_from is None  # released cleanly: nothing to take over
    again.release()
    first.close()
    second.close()


def test_status_shows_runs_and_unhealthy_sources_and_the_ops_feed_reports_them(
    kzfeed: Kz, project: Path, write_config: Callable[[str], Path]
) -> None:
    write_config(
        "[ops]\nfeed = true\nfailing_after = 2\n"
        '[[sources]]\nname = "gone"\ntype = "files"\npath = "nothing"\n'
        '[[sources]]\nname = "seeds"\ntype = "files"\npath = "seeds"\n'
    )
    assert kzfeed("run").exit_code == 1
    ops = parse_feed((project / "public" / "ops.atom").read_bytes())
    assert ops.entries == []  # one failure is not yet a pattern
    # a failed source backs off; --refetch tries it again at once
    assert kzfeed("run", "--refetch").exit_code == 1
    data = (project / "public" / "ops.atom").read_bytes()
    assert_valid_atom(data)
    (entry,) = parse_feed(data).entries
    assert entry.title == "gone: 2 failures in a row"
    assert "no-such" in entry.summary or "nothing" in entry.summary
    assert kzfeed("run", "--refetch").exit_code == 1
    (again,) = parse_feed((project / "public" / "ops.atom").read_bytes()).entries
    assert again.id == entry.id and again.title == "gone: 3 failures in a row"

    text = kzfeed("status")
    assert text.exit_code == 0
    run_lines = [line for line in text.stdout.splitlines() if line.lstrip().startswith("#")]
    assert len(run_lines) == 3 and all(" failed " in line for line in run_lines)
    assert "gone: 3 failure(s) in a row; last ok never" in text.stdout
    status = json.loads(kzfeed("status", "--json").stdout)
    assert [r["status"] for r in status["runs"]] == ["failed", "failed", "failed"]
    newest = {s["name"]: s for s in status["runs"][0]["sources"]}
    assert newest["seeds"]["unchanged"] == 5 and newest["gone"]["status"] == "failed"
    assert status["runs"][-1]["new"] == 5
    assert [s["name"] for s in status["unhealthy_sources"]] == ["gone"]
    # the error of each run is a record: the message as before, and what kind it was, and when
    gone = newest["gone"]
    assert gone["error"].startswith("source 'gone': ") and gone["error_kind"] == "source"
    assert gone["error_at"] is not None and gone["error_at"] >= status["runs"][0]["started"]


def test_run_json_says_whether_feeds_were_rendered(kzfeed: Kz) -> None:
    data = json.loads(kzfeed("run", "--json").stdout)
    assert data["rendered"] is True and data["stopped"] is False
    assert data["totals"]["new"] == 5


def test_prune_drops_old_items_but_keeps_what_feeds_and_archives_show(database_url: str) -> None:
    from kzfeed.config._load import default_config
    from kzfeed.ops._retention import plan_retention

    config = default_config()
    store = open_store(database_url)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    old = [
        make_item(f"{n}.txt", title=f"Old {n}", published=now - timedelta(days=400 + n), relevant=n < 2)
        for n in range(4)
    ]
    store.save_source(state=SourceState(name="test", type="files"), config_hash="x", batch=old, ok=True)
    fresh = [make_item("new.txt", title="New", published=now - timedelta(days=3), relevant=False)]
    store.save_source(state=SourceState(name="test", type="files"), config_hash="x", batch=fresh, ok=True)
    plan = plan_retention(config, store, timedelta(days=365), now=now)
    # old items left out of the feeds go; old relevant ones stay: a feed or its archive shows them
    assert plan.items == 2
    assert sorted(i.title for i in store.prunable_items(plan.cutoff)) == ["Old 2", "Old 3"]
    assert plan.kept_shown == 2
    assert store.count_items() == 5  # planning drops nothing
    store.apply_prune(plan)
    assert sorted(i.title for i in store.items(relevant=None)) == ["New", "Old 0", "Old 1"]
    store.close()


OFF_BEAT = (
    "La Chine et le Kazakhstan signent un accord sur un gazoduc\n\n"
    "par | 3 mars 2024 | Économie\n\n"
    "Pékin et Astana ont signé un accord sur la construction d'un nouveau gazoduc entre les deux pays, "
    "a annoncé le ministère chinois du Commerce. Le projet doit relier les gisements de l'ouest du "
    "Kazakhstan au réseau chinois d'ici 2028, selon les deux gouvernements.\n"
)


def test_prune_dry_run_says_what_it_would_drop_and_drops_nothing(
    kzfeed: Kz, project: Path, write_config: Callable
) -> None:
    (project / "seeds" / "zz_china.txt").write_text(OFF_BEAT, encoding="utf-8")
    assert kzfeed("run").exit_code == 0
    assert kzfeed("items", "--all").stdout.count("\n") > kzfeed("items").stdout.count("\n")
    dry = kzfeed("prune", "--older-than", "365d", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "would drop 1 item(s)" in dry.stdout and "gazoduc" in dry.stdout
    assert "kept 2 older item(s)" in dry.stdout  # 003 and 004 are old but in the feeds
    before = kzfeed("items", "--all").stdout
    done = kzfeed("prune", "--older-than", "365d")
    assert "dropped 1 item(s)" in done.stdout
    after = kzfeed("items", "--all").stdout
    assert "gazoduc" in before and "gazoduc" not in after
    assert kzfeed("items").stdout.count("\n") == 5
    assert "is not a duration" in kzfeed("prune", "--older-than", "a year").stderr


def test_search_ignores_accents_and_case_ranks_and_shows_snippets(database_url: str, project: Path) -> None:
    store = open_store(database_url)
    items = [
        make_item(
            "a.txt", title="Terres rares : accord UE-Kazakhstan", text="Les terres rares et le lithium."
        ),
        make_item("b.txt", title="Énergie", text="Un mot sur les TERRES RARES à la fin, et l'hydrogène."),
        make_item("c.txt", title="Transport", text="Le corridor transcaspien."),
    ]
    store.save_source(state=SourceState(name="test", type="files"), config_hash="x", batch=items, ok=True)
    hits = store.search_items("terres rares")
    assert [h.title for h in hits] == ["Terres rares : accord UE-Kazakhstan", "Énergie"]
    assert "[terres]" in hits[0].snippet.lower()
    assert [h.title for h in store.search_items("ENERGIE")] == ["Énergie"]
    assert [h.title for h in store.search_items("hydrogene")] == ["Énergie"]
    assert [h.title for h in store.search_items("transcasp")] == ["Transport"]
    # the index follows updates and deletes
    changed = make_item("c.txt", title="Transport", text="Le corridor médian.")
    store.save_source(state=SourceState(name="test", type="files"), config_hash="x", batch=[changed], ok=True)
    assert store.search_items("transcaspien") == []
    assert [h.title for h in store.search_items("mediAN")] == ["Transport"]
    store.close()


def test_search_command(kzfeed: Kz) -> None:
    assert kzfeed("-q", "run").exit_code == 0
    result = kzfeed("search", "TERRES rares")
    assert result.exit_code == 0
    assert "Métaux critiques" in result.stdout and "[terres] [rares]" in result.stdout
    assert "no words" in kzfeed("search", "--", "!!").stderr


def test_durations_are_read_as_people_write_them() -> None:
    import pytest

    from kzfeed.errors import InputError
    from kzfeed.ops import parse_duration

    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("6H") == timedelta(hours=6)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("2 weeks") == timedelta(weeks=2)
    with pytest.raises(InputError, match=r"'30' is not a duration; write a number and a unit"):
        parse_duration("30", what="--every")
    with pytest.raises(InputError, match="must be more than zero"):
        parse_duration("0s")
