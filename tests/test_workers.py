"""Several workers, and runs that are killed or stopped, as separate processes against one database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from kzfeed.storage import open_store

KZFEED = [sys.executable, "-c", "from kzfeed.cli import main; main()"]

SLOW_PLUGIN = """
import os, time
from kzfeed import RawItem, hookimpl

class Slow:
    def __init__(self, name, options):
        self.name = name
        self.delay = float(options.get("delay", 0.3))

    def fetch(self, ctx):
        with open(os.environ["FETCH_LOG"], "a") as log:
            log.write(f"{self.name} {os.environ.get('KZFEED_WORKER', '-')}\\n")
        time.sleep(self.delay)
        for i in range(3):
            yield RawItem(guid=f"{self.name}-{i}", title=f"Kazakhstan and the EU agree on lithium ({self.name} {i})",
                          text="Astana and Brussels signed a memorandum on lithium and rare earths.")

@hookimpl
def register_sources(register):
    register("slow", Slow)
"""


def slow_project(
    project: Path, database_url: str, sources: int, delay: float, last: float | None = None
) -> dict[str, str]:
    """``sources`` slow sources taking ``delay`` seconds each (the last one ``last``)."""
    (project / "plugins").mkdir(exist_ok=True)
    (project / "plugins" / "slow.py").write_text(SLOW_PLUGIN, encoding="utf-8")
    delays = [delay] * (sources - 1) + [delay if last is None else last]
    tables = "".join(
        f'[[sources]]\nname = "s{n}"\ntype = "slow"\ndelay = {d}\n' for n, d in enumerate(delays)
    )
    # one source at a time per process, so that what each process does is easy to see
    # (with fetch.workers = N, N sources are in flight and a stop lets all N finish)
    (project / "kzfeed.toml").write_text(
        f'database = "{database_url}"\n[fetch]\nworkers = 1\n{tables}', encoding="utf-8"
    )
    return {**os.environ, "FETCH_LOG": str(project / "fetch.log")}


def fetched(project: Path) -> list[str]:
    log = project / "fetch.log"
    return [line.split()[0] for line in log.read_text().splitlines()] if log.exists() else []


def wait_for(project: Path, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(fetched(project)) < count:
        assert time.monotonic() < deadline, f"no progress: {fetched(project)}"
        time.sleep(0.02)


def done_until_due(database_url: str, name: str) -> bool:
    """The source is stored and due again later (two transactions: a kill between them makes
    the next run fetch it again, harmlessly, which this test does not want to time)."""
    store = open_store(database_url)
    with store._engine.connect() as conn:
        due = conn.execute(text("SELECT due_at FROM sources WHERE name = :n"), {"n": name}).scalar()
    store.close()
    return due is not None


def item_counts(database_url: str) -> tuple[int, int]:
    store = open_store(database_url)
    with store._engine.connect() as conn:
        total, distinct = conn.execute(
            text("SELECT count(*), count(DISTINCT source || guid) FROM items")
        ).one()
    store.close()
    return int(total), int(distinct)


@pytest.mark.slow
def test_a_killed_run_leaves_a_consistent_database_and_the_next_run_fetches_what_is_left(
    project: Path, database_url: str
) -> None:
    env = slow_project(project, database_url, sources=4, delay=0.5, last=4.0)  # s3: not done at the kill
    with subprocess.Popen([*KZFEED, "run"], cwd=project, env=env, stdout=subprocess.DEVNULL) as run:
        wait_for(project, 2)  # s1 being fetched
        deadline = time.monotonic() + 30
        while not done_until_due(database_url, "s0"):  # and s0 stored and due again later
            assert time.monotonic() < deadline, "s0 was never stored"
            time.sleep(0.05)
        os.kill(run.pid, signal.SIGKILL)
    assert run.returncode == -signal.SIGKILL
    after_kill = item_counts(database_url)
    assert after_kill[0] == after_kill[1] and after_kill[0] % 3 == 0  # whole sources only
    second = subprocess.run([*KZFEED, "run", "--json"], cwd=project, env=env, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert report["rendered"] is True
    names = [s["name"] for s in report["sources"]]
    assert names and "s0" not in names  # s0, done before the kill, is not due again
    assert fetched(project).count("s0") == 1
    assert sorted(set(fetched(project))) == ["s0", "s1", "s2", "s3"]
    assert item_counts(database_url) == (12, 12)
    status = subprocess.run(
        [*KZFEED, "status", "--json"], cwd=project, env=env, capture_output=True, text=True
    )
    assert [r["status"] for r in json.loads(status.stdout)["runs"]] == ["ok", "interrupted"]
    if database_url.startswith("sqlite"):
        store = open_store(database_url)
        with store._engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        store.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_stop_after_the_current_source(project: Path, tmp_path: Path, signum: int) -> None:
    env = slow_project(project, f"sqlite:///{tmp_path / 'kz.db'}", sources=4, delay=0.6)
    with subprocess.Popen(
        [*KZFEED, "run"], cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as run:
        wait_for(project, 1)
        os.kill(run.pid, signum)
        out, err = run.communicate(timeout=30)
    assert run.returncode == 0, err
    assert "Traceback" not in err
    assert "stopping after the current source" in err
    assert "s0: 3 new" in out and "stopped by a signal" in out
    assert fetched(project) == ["s0"]
    assert item_counts(f"sqlite:///{tmp_path / 'kz.db'}") == (3, 3)
    rerun = subprocess.run([*KZFEED, "run"], cwd=project, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0 and "s3: 3 new" in rerun.stdout
