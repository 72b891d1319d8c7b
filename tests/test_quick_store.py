"""The ``sqlite3`` path (``kzfeed.storage.QuickStore``) against the full store, on the same
databases: ``kzfeed status`` prints the same and exits the same, and a ``kzfeed run`` takes the
short way exactly when the full run would find nothing to do, and leaves the same record."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from tests.conftest import CliResult, invoke
from tests.test_startup import _FEED

from kzfeed.config import load_config
from kzfeed.ops import run_if_idle
from kzfeed.plugins import make_plugin_host
from kzfeed.storage import open_quick, open_store
from kzfeed.storage._lite import sqlite_path
from kzfeed.storage._revisions import shipped_head
from kzfeed.testing import LocalHTTPServer
from kzfeed.testing.pytest_plugin import FrozenClock

_STATUS = (["status"], ["status", "--json"], ["status", "--check"], ["status", "--check", "--max-age", "1h"])


def _config(folder: Path, db: Path, url: str, options: str = "") -> Path:
    path = folder / f"{db.stem}.toml"
    sources = "".join(
        f'[[sources]]\nname = "{name}"\ntype = "rss"\nurl = "{url}/{name}.xml"\nfull_content = false\n{options}'
        for name in ("a", "b")
    )
    path.write_text(
        f'database = "sqlite:///{db}"\noutput_dir = "public-{db.stem}"\n'
        f'[fetch]\nexempt_loopback = true\nallow_private = ["127.0.0.1"]\n{sources}',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as srv:
        for name in ("a", "b"):
            srv.route(f"/{name}.xml", body=_FEED, content_type="application/rss+xml")
        yield srv


@pytest.fixture
def fetched(project: Path, server: LocalHTTPServer, frozen_clock: FrozenClock) -> Path:
    """A database whose two sources were fetched once (due again in about 30 min)."""
    config = _config(project, project / "db.sqlite", server.url("").rstrip("/"))
    assert invoke(["--config", str(config), "run"]).exit_code == 0
    return project / "db.sqlite"


def _copy(db: Path, name: str) -> Path:
    """A copy of ``db`` (and its config) beside it, called ``name``."""
    target = db.with_name(f"{name}.sqlite")
    with sqlite3.connect(db) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    text = db.with_suffix(".toml").read_text(encoding="utf-8")
    text = text.replace(str(db), str(target)).replace(f"public-{db.stem}", f"public-{name}")
    target.with_suffix(".toml").write_text(text, encoding="utf-8")
    return target


def _sql(db: Path, statement: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(statement)


def _without_quick(monkeypatch: pytest.MonkeyPatch) -> Callable[[list[str]], CliResult]:
    """The CLI with the ``sqlite3`` path switched off (every command opens the full store)."""

    def run(args: list[str]) -> CliResult:
        import kzfeed.storage

        with monkeypatch.context() as m:
            m.setattr(kzfeed.storage, "open_quick", lambda _url: None)
            return invoke(args)

    return run


def _runs(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT id, started_at, finished_at, status, worker, new, updated, unchanged, failed, "
            "(SELECT count(*) FROM run_sources WHERE run_id = runs.id) FROM runs ORDER BY id"
        ).fetchall()


def _rows(db: Path, last: int) -> list[tuple[object, ...]]:
    """What a run may change besides adding its own record: the sources' rows, runs up to ``last``."""
    with sqlite3.connect(db) as conn:
        return [
            *conn.execute("SELECT * FROM sources ORDER BY name"),
            *conn.execute("SELECT * FROM runs WHERE id <= ? ORDER BY id", (last,)),
            *conn.execute("SELECT * FROM run_sources WHERE run_id <= ? ORDER BY run_id, source", (last,)),
        ]


# Each state: what is done to a fetched database (SQL), and whether a run then has nothing to do.
STATES: dict[str, tuple[str | None, bool]] = {
    "none due": (None, True),
    "one due": ("UPDATE sources SET due_at = '2025-03-14 08:00:00.000000' WHERE name = 'b'", False),
    "one never fetched": ("DELETE FROM sources WHERE name = 'b'", False),
    "one paused": ("UPDATE sources SET paused = 1, consecutive_failures = 5, last_error = 'x' WHERE name = 'a'", False),
    "one backing off": (
        "UPDATE sources SET next_due = '2025-03-14 12:00:00.000000', consecutive_failures = 2, "
        "last_error = 'down' WHERE name = 'a'",
        False,
    ),
    "a back-off over": (
        "UPDATE sources SET next_due = '2025-03-14 08:00:00.000000', consecutive_failures = 1, "
        "last_error = 'down' WHERE name = 'a'",
        True,
    ),
    "options changed": ("UPDATE sources SET config_hash = 'elsewhere' WHERE name = 'a'", False),
    "a killed run": (
        "INSERT INTO runs (started_at, status, worker) VALUES ('2025-03-14 08:59:00.000000', 'running', 'x:1')",
        False,
    ),
}  # fmt: skip


@pytest.mark.parametrize("state", STATES)
def test_a_run_takes_the_short_way_exactly_when_the_full_run_finds_nothing_to_do(
    state: str,
    fetched: Path,
    server: LocalHTTPServer,
    frozen_clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    change, idle = STATES[state]
    if change is not None:
        _sql(fetched, change)
    frozen_clock.advance(minutes=10)
    quick_db, full_db = _copy(fetched, "quick"), _copy(fetched, "full")
    requests, before = len(server.requests), _rows(full_db, len(_runs(fetched)))
    config = load_config(quick_db.with_suffix(".toml"))
    taken = run_if_idle(config, make_plugin_host(plugins_dirs=()))
    assert (taken is not None) is idle
    full = _without_quick(monkeypatch)(["--config", str(full_db.with_suffix(".toml")), "run"])
    fetched_now = len(server.requests) - requests
    said_more = not re.fullmatch(
        r"new items: none\nno source is due; the next one is in (?:1[7-9]|20) min\n", full.stdout
    )
    changed = _rows(full_db, len(_runs(fetched))) != before  # e.g. a killed run marked interrupted
    assert (fetched_now == 0 and not said_more and full.exit_code == 0 and not changed) is idle
    if idle:  # the same record of the run, and the same words from the command
        assert _runs(quick_db) == _runs(full_db)
        assert _runs(quick_db)[-1][3:] == ("ok", _runs(full_db)[-1][4], 0, 0, 0, 0, 0)
        again = invoke(["--config", str(full_db.with_suffix(".toml")), "run"])
        assert (again.exit_code, again.stdout, again.stderr) == (full.exit_code, full.stdout, full.stderr)


@pytest.mark.parametrize("state", [*STATES, "migrated, never run"])
def test_status_says_the_same_on_both_paths(
    state: str, fetched: Path, frozen_clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = fetched
    if state == "migrated, never run":
        db = fetched.with_name("empty.sqlite")
        db.with_suffix(".toml").write_text(f'database = "sqlite:///{db}"\n', encoding="utf-8")
        open_store(f"sqlite:///{db}").close()
    elif (change := STATES[state][0]) is not None:
        _sql(db, change)
    _sql(db, "INSERT INTO run_sources (run_id, source, status, error, error_kind, error_url, error_at) "
             "SELECT max(id), 'c', 'failed', 'boom', 'fetch', 'http://x.test/c', '2025-03-14 08:30:00.000000' FROM runs "
             "HAVING max(id) IS NOT NULL")  # fmt: skip
    frozen_clock.advance(minutes=45)  # every source overdue by 5 min or more
    assert open_quick(f"sqlite:///{db}") is not None
    full = _without_quick(monkeypatch)
    for args in _STATUS:
        argv = ["--config", str(db.with_suffix(".toml")), *args]
        got, want = invoke(argv), full(argv)
        assert (got.exit_code, got.stdout, got.stderr) == (want.exit_code, want.stdout, want.stderr), args


def test_the_quick_reads_give_the_full_stores_records(fetched: Path, frozen_clock: FrozenClock) -> None:
    _sql(fetched, STATES["one paused"][0] or "")
    url = f"sqlite:///{fetched}"
    quick, store = open_quick(url), open_store(url)
    assert quick is not None
    with quick, store:
        for limit in (1, 2, 10):
            assert quick.last_runs(limit) == store.last_runs(limit)
        assert quick.unhealthy_sources() == store.unhealthy_sources()
        assert quick.fleet_status(overdue_after=timedelta(0)) == store.fleet_status(
            overdue_after=timedelta(0)
        )


def test_anything_but_a_sqlite_file_at_the_newest_schema_opens_the_full_store(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    assert open_quick(f"sqlite:///{db}") is None  # not created yet: the full store creates it
    open_store(f"sqlite:///{db}").close()
    assert open_quick(f"sqlite:///{db}") is not None
    _sql(db, "UPDATE alembic_version SET version_num = 'fts_keys'")  # migrations pending
    assert open_quick(f"sqlite:///{db}") is None
    assert shipped_head() not in (None, "fts_keys")
    (tmp_path / "junk.sqlite").write_bytes(b"not a database" * 100)
    assert open_quick(f"sqlite:///{tmp_path / 'junk.sqlite'}") is None
    for url in (
        "postgresql+psycopg://kzfeed@127.0.0.1/kzfeed",
        "sqlite://",
        "sqlite:///:memory:",
        f"sqlite:///{db}?timeout=5",
        f"sqlite:///file:{db}",
    ):
        assert sqlite_path(url) is None and open_quick(url) is None, url
    assert sqlite_path("sqlite:////var/a%20b.db") == Path("/var/a b.db")  # as SQLAlchemy reads it


def test_a_run_held_by_another_takes_the_full_way_and_says_so(
    fetched: Path, frozen_clock: FrozenClock
) -> None:
    from kzfeed.storage._filelock import lock_file

    lock = lock_file(fetched, 0)
    try:
        config = load_config(fetched.with_suffix(".toml"))
        assert run_if_idle(config, make_plugin_host(plugins_dirs=())) is None
        busy = invoke(["--config", str(fetched.with_suffix(".toml")), "run"])
    finally:
        lock.release()
    assert busy.exit_code == 0 and f"pid {__import__('os').getpid()}" in busy.stderr
    assert len(_runs(fetched)) == 1  # nothing recorded
    shutil.rmtree(fetched.parent / "public-db", ignore_errors=True)


def test_a_killed_holders_forked_child_does_not_keep_the_run_lock(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    from kzfeed.errors import LockBusy
    from kzfeed.storage._filelock import lock_file

    db = tmp_path / "db.sqlite"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import os, sys, time\nfrom pathlib import Path\nfrom kzfeed.storage._filelock import lock_file\n"
         f"lock_file(Path({str(db)!r}), 0)\n"
         "if os.fork() == 0:\n    print(os.getpid(), flush=True)\n    time.sleep(30)\n    os._exit(0)\n"
         "time.sleep(30)\n"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None
    child = int(holder.stdout.readline())  # said once the fork is done in the child
    try:
        with pytest.raises(LockBusy, match=f"pid {holder.pid} on"):
            lock_file(db, 0)
        holder.kill()
        holder.wait()
        lock = lock_file(db, 0)  # the child lives on, without the lock
        assert lock.recovered_from is not None and f"pid {holder.pid} on" in lock.recovered_from
        lock.release()
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
        os.kill(child, signal.SIGKILL)


def test_a_config_mistake_is_said_on_the_short_way_too(
    fetched: Path, frozen_clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = fetched.with_suffix(".toml")
    config.write_text(config.read_text(encoding="utf-8") + '[classifier]\nname = "nope"\n', encoding="utf-8")
    frozen_clock.advance(minutes=10)  # nothing due
    got, want = (
        invoke(["--config", str(config), "run"]),
        _without_quick(monkeypatch)(["--config", str(config), "run"]),
    )
    assert (got.exit_code, got.stdout, got.stderr) == (want.exit_code, want.stdout, want.stderr)
    assert got.exit_code == 2 and "classifier 'nope' is unknown" in got.stderr
    assert len(_runs(fetched)) == 1  # no run recorded
