"""A run's bookkeeping on ``sqlite3`` (``kzfeed.storage.open_quick_run``) against the full store:
the same ``kzfeed run``, from the same database and ``public/`` folder, leaves the same rows in
every table, prints the same and exits the same, whether every source answered 304 (the run
never opens the full store) or some brought items, failed, are new, paused or changed (the full
store is opened at the first call the ``sqlite3`` store does not make itself)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import invoke

from kzfeed.storage._quickrun import QuickRunStore
from kzfeed.testing import LocalHTTPServer
from kzfeed.testing.pytest_plugin import FrozenClock

NAMES = ("a", "b", "c")


def _feed(name: str, guids: tuple[str, ...]) -> bytes:
    entries = "".join(
        f"<item><title>EU and Kazakhstan: talks on raw materials, part {guid} of {name}</title>"
        f"<link>http://{name}.test/{guid}</link><guid>{name}-{guid}</guid>"
        "<pubDate>Mon, 02 Jun 2025 04:30:00 GMT</pubDate><description>The European Union and "
        f"Kazakhstan met in Astana about critical raw materials ({name}, {guid}).</description></item>"
        for guid in guids
    )
    return (
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>{name}</title>"
        f"<link>http://{name}.test/</link><description>d</description>{entries}</channel></rss>"
    ).encode()


def _serve(
    server: LocalHTTPServer, name: str, guids: tuple[str, ...], etag: str = '"v1"', status: int = 200
) -> None:
    server.route(
        f"/{name}.xml",
        status=status,
        body=_feed(name, guids),
        content_type="application/rss+xml",
        headers={"ETag": etag},
        conditional=True,
    )


def _source(server: LocalHTTPServer, name: str, extra: str = "") -> str:
    return f'[[sources]]\nname = "{name}"\ntype = "rss"\nurl = "{server.url(f"/{name}.xml")}"\nfull_content = false\n{extra}'


@dataclass
class Project:
    folder: Path
    server: LocalHTTPServer
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Path:
        return self.folder / "kzfeed.db"

    def write_config(self) -> None:
        text = (
            f'database = "sqlite:///{self.db}"\noutput_dir = "public"\n'
            '[fetch]\nexempt_loopback = true\nallow_private = ["127.0.0.1"]\n'
        )
        (self.folder / "kzfeed.toml").write_text(text + "".join(self.sources.values()), encoding="utf-8")

    def sql(self, statement: str) -> None:
        with sqlite3.connect(self.db) as conn:
            conn.execute(statement)


@pytest.fixture
def project(project: Path, frozen_clock: FrozenClock) -> Iterator[Project]:
    """Three feeds of items and one without (``e``), run once; 40 minutes later all are due."""
    with LocalHTTPServer() as server:
        for n, name in enumerate(NAMES):
            _serve(server, name, (f"{n}1", f"{n}2"))
        _serve(server, "e", ())
        made = Project(project, server, {name: _source(server, name) for name in (*NAMES, "e")})
        made.write_config()
        assert invoke(["--config", str(project / "kzfeed.toml"), "run"]).exit_code == 0
        frozen_clock.advance(minutes=40)
        yield made


def _new_item(p: Project) -> None:
    _serve(p.server, "c", ("21", "22", "23"), etag='"v2"')


def _fails(p: Project) -> None:
    _serve(p.server, "b", (), etag='"v2"', status=500)


def _new_source_with_items(p: Project) -> None:
    _serve(p.server, "d", ("41",))
    p.sources["d"] = _source(p.server, "d")
    p.write_config()


def _new_empty_source(p: Project) -> None:
    _serve(p.server, "f", ())
    p.sources["f"] = _source(p.server, "f")
    p.write_config()


def _empty_feed_changes(p: Project) -> None:
    _serve(p.server, "e", (), etag='"v2"')


def _options_changed(p: Project) -> None:
    p.sql("UPDATE sources SET due_at = '2025-03-14 12:00:00.000000'")  # none due but by the change
    p.sources["a"] = _source(p.server, "a", "max_items = 50\n")
    p.write_config()


def _paused(p: Project) -> None:
    p.sql("UPDATE sources SET paused = 1, paused_reason = 'by hand' WHERE name = 'b'")


def _killed_run(p: Project) -> None:
    p.sql(
        "INSERT INTO runs (started_at, status, worker) VALUES ('2025-03-14 09:10:00.000000', 'running', 'x:1')"
    )


def _backing_off(p: Project) -> None:
    p.sql(
        "UPDATE sources SET next_due = '2025-03-14 12:00:00.000000', consecutive_failures = 2, "
        "last_error = 'down' WHERE name = 'a'"
    )


def _unchanged(_p: Project) -> None:
    pass


# each case: what changes before the second run, its arguments, and whether the run needs the full store
CASES: dict[str, tuple[Callable[[Project], None], list[str], bool]] = {
    "every feed answers 304": (_unchanged, ["run"], False),
    "every feed answers 304, --all": (_unchanged, ["run", "--all"], False),
    "ingest, every feed answers 304": (_unchanged, ["ingest"], False),
    "a feed without items has a new ETag": (_empty_feed_changes, ["run"], False),
    "a new source without items": (_new_empty_source, ["run"], False),
    "a source's options changed": (_options_changed, ["run"], False),
    "a source paused": (_paused, ["run"], False),
    "a source backing off": (_backing_off, ["run", "--all"], False),
    "a run left running": (_killed_run, ["run"], False),
    "a feed with a new item": (_new_item, ["run"], True),
    "a feed fails": (_fails, ["run"], True),
    "a new source with items": (_new_source_with_items, ["run"], True),
}  # fmt: skip


def _rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (a fetch's duration, which the clock does not freeze, left out)."""
    with sqlite3.connect(db) as conn:
        tables = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]
        found = {}
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            rows = [
                tuple(None if n == "duration_ms" else v for n, v in zip(names, row, strict=True))
                for row in cursor
            ]
            found[table] = sorted(rows, key=repr)
    return found


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _snapshot(p: Project, to: Path) -> None:
    with sqlite3.connect(p.db) as src, sqlite3.connect(to / "kzfeed.db") as dst:
        src.backup(dst)
    shutil.copytree(p.folder / "public", to / "public")


def _restore(p: Project, snapshot: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{p.db}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(snapshot / "kzfeed.db") as src, sqlite3.connect(p.db) as dst:
        src.backup(dst)
    shutil.rmtree(p.folder / "public")
    shutil.copytree(snapshot / "public", p.folder / "public")


@pytest.mark.parametrize("case", CASES)
def test_a_run_leaves_the_same_database_on_sqlite3_as_on_the_full_store(
    case: str, project: Project, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    change, args, needs_full = CASES[case]
    change(project)
    import kzfeed.pipeline._health

    monkeypatch.setattr(kzfeed.pipeline._health, "JITTER", 0.0)  # due times the same both ways
    snapshot = tmp_path_factory.mktemp("snapshot")
    _snapshot(project, snapshot)
    import kzfeed.storage
    from kzfeed.storage import _quickrun

    opened: list[QuickRunStore] = []

    def spy(url: str) -> Any:
        store = _quickrun.open_quick_run(url)
        opened.append(store)  # type: ignore[arg-type]
        return store

    argv = ["--config", str(project.folder / "kzfeed.toml"), *args]
    with monkeypatch.context() as m:
        m.setattr(kzfeed.storage, "open_quick_run", spy)
        quick = invoke(argv)
    assert quick.exit_code in (0, 1), quick.stderr
    quick_rows, quick_files = _rows(project.db), _files(project.folder / "public")
    _restore(project, snapshot)
    with monkeypatch.context() as m:
        m.setattr(kzfeed.storage, "open_quick_run", lambda _url: None)
        full = invoke(argv)
    assert len(opened) == 1 and isinstance(opened[0], QuickRunStore)
    assert (opened[0]._full is not None) is needs_full
    assert (quick.exit_code, quick.stdout, quick.stderr) == (full.exit_code, full.stdout, full.stderr)
    assert quick_rows == _rows(project.db)
    assert quick_files == _files(project.folder / "public")
    if case == "a feed with a new item":  # the case compares a run that stored something
        assert "1 new" in quick.stdout or "new items: 1" in quick.stdout, quick.stdout


def test_a_database_not_at_the_newest_schema_or_not_sqlite_gets_the_full_store(tmp_path: Path) -> None:
    from kzfeed.storage import open_quick_run, open_store

    assert open_quick_run(f"sqlite:///{tmp_path / 'none.db'}") is None  # not created yet
    assert open_quick_run("postgresql+psycopg://u@localhost/kzfeed") is None
    open_store(f"sqlite:///{tmp_path / 'old.db'}").close()
    with sqlite3.connect(tmp_path / "old.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'an_older_one'")
    assert open_quick_run(f"sqlite:///{tmp_path / 'old.db'}") is None


def test_a_failing_write_is_one_line_saying_what_to_do_and_rolled_back(project: Project) -> None:
    from kzfeed.errors import StorageError
    from kzfeed.storage import open_quick_run

    store = open_quick_run(f"sqlite:///{project.db}")
    assert store is not None
    _killed_run(project)
    runs = _rows(project.db)["runs"]
    project.sql(
        "CREATE TRIGGER no_runs BEFORE UPDATE ON runs BEGIN SELECT RAISE(FAIL, 'disk I/O error'); END"
    )
    with (
        store,
        pytest.raises(StorageError, match=r"^the disk holding .* failed to read or write .*run again"),
    ):
        store.mark_stale_runs()
    assert _rows(project.db)["runs"] == runs  # the killed run is still ``running``


def test_claiming_any_number_of_sources_is_one_statement_on_both_stores(tmp_path: Path) -> None:
    """A list of names is one parameter: an ``IN (?, ?, …)`` of each length is a statement of
    its own in the driver's cache (a 1,000-feed run's claims held ~6 MiB of them)."""
    from sqlalchemy import event

    from kzfeed.storage import open_quick_run, open_store

    url = f"sqlite:///{tmp_path / 'claims.db'}"
    names = [f"feed {n}" for n in range(40)]
    full = open_store(url)
    full.register_worker("w:1", [(name, "rss", "h") for name in names])
    sent: list[str] = []
    event.listen(full._engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    quick = open_quick_run(url)
    assert isinstance(quick, QuickRunStore)
    quick._conn.set_trace_callback(sent.append)
    with full, quick:
        for store in (full, quick):
            claimed = [store.claim_sources("w:1", names[:n], limit=50, lease_seconds=60) for n in (3, 17, 40)]
            assert claimed == [sorted(names[:3]), sorted(names[:17]), sorted(names)]
    claims = [sql for sql in sent if "paused" in sql]
    assert len(claims) == 6
    assert len(set(claims[:3])) == 1  # SQLAlchemy's, with its placeholders
    assert all("json_each(" in sql and "', '" not in sql for sql in claims[3:])  # sqlite3's, values filled in
