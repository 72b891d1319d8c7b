"""Sources are due, not rounds: each source's interval (``every``), moved later by what its
server asks; ``kzfeed run`` fetches what is due, ``kzfeed watch`` sleeps until the next one is;
``kzfeed status`` lists the overdue ones. SQLite (the default) keeps no leases and no workers."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from conftest import CliResult
from kzfeed.storage import open_store
from kzfeed.storage._schema import sources
from kzfeed.testing._httpserver import LocalHTTPServer

Kz = Callable[..., CliResult]
Write = Callable[[str], Path]
KZFEED = [sys.executable, "-c", "from kzfeed.cli import main; main()"]
FETCH = (
    '[fetch]\nexempt_loopback = true\nallow_private = ["127.0.0.1"]\ncontact_url = "mailto:ops@example.org"\n'
)
RSS = (
    "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Outlet</title>"
    "<link>http://example.test/</link><description>d</description><language>en</language>"
    "<item><title>EU and Kazakhstan sign a lithium memorandum</title><guid>g-1</guid>"
    "<link>http://example.test/1</link><description>Kazakhstan and the European Union agreed on "
    "lithium.</description></item></channel></rss>"
)


def fetched(result: CliResult) -> list[str]:
    """The sources a ``run --json`` worked on (not paused, not skipped)."""
    report = json.loads(result.stdout)
    return sorted(s["name"] for s in report["sources"] if s["status"] not in ("paused", "skipped"))


def files_config(write_config: Write, database_url: str, extra: str = "", quick: str = "1s") -> None:
    write_config(
        f'database = "{database_url}"\n{extra}'
        '[[sources]]\nname = "hourly"\ntype = "files"\npath = "seeds"\nevery = "1h"\n'
        f'[[sources]]\nname = "quick"\ntype = "files"\npath = "seeds"\nevery = "{quick}"\n'
        '[[sources]]\nname = "default"\ntype = "files"\npath = "seeds"\n'
    )


def test_run_fetches_only_the_sources_that_are_due(
    kzfeed: Kz, write_config: Write, database_url: str
) -> None:
    files_config(write_config, database_url, quick="40s")
    assert fetched(kzfeed("run", "--json")) == ["default", "hourly", "quick"]
    nothing = kzfeed("run")
    assert nothing.exit_code == 0
    assert nothing.stdout.startswith("new items: none\n")
    wait = re.search(r"no source is due; the next one is in (\d+) s", nothing.stdout)
    assert wait and 30 <= int(wait[1]) <= 40, nothing.stdout  # quick's 40 s, less up to a tenth
    _forty_seconds_pass_for(database_url, "quick")  # hourly and default ([ops] every, 30m) stay not due
    assert fetched(kzfeed("run", "--json")) == ["quick"]
    # named or --refetch: at once, due or not
    assert fetched(kzfeed("run", "--json", "--source", "hourly")) == ["hourly"]
    assert fetched(kzfeed("run", "--json", "--refetch")) == ["default", "hourly", "quick"]
    store = open_store(database_url)
    try:
        wait = store.seconds_until_due(["hourly", "default"])
    finally:
        store.close()
    assert wait is not None and 26 * 60 < wait <= 30 * 60  # [ops] every less up to a tenth


def _forty_seconds_pass_for(database_url: str, name: str) -> None:
    """Source ``name`` comes 40 s nearer to being due, as if 40 s had passed (rather than sleep
    through an interval short enough that a slow machine overruns it between two runs)."""
    store = open_store(database_url)
    try:
        with store._engine.begin() as conn:
            (due_at,) = conn.execute(select(sources.c.due_at).where(sources.c.name == name)).one()
            conn.execute(
                update(sources).where(sources.c.name == name).values(due_at=due_at - timedelta(seconds=40))
            )
    finally:
        store.close()


def test_the_global_default_interval_is_ops_every(kzfeed: Kz, write_config: Write, database_url: str) -> None:
    files_config(write_config, database_url, extra='[ops]\nevery = "1s"\n')
    kzfeed("run")
    time.sleep(1.1)
    assert fetched(kzfeed("run", "--json")) == ["default", "quick"]


def test_a_server_s_freshness_and_retry_after_move_a_source_later(
    kzfeed: Kz, write_config: Write, kzfeed_http: LocalHTTPServer, tmp_path: Path
) -> None:
    kzfeed_http.route("/fresh.xml", body=RSS.encode(), headers={"Cache-Control": "max-age=7200"})
    kzfeed_http.route("/busy.xml", status=503, headers={"Retry-After": "5400"})
    kzfeed_http.route("/plain.xml", body=RSS.encode())
    write_config(
        FETCH + "".join(
            f'[[sources]]\nname = "{n}"\ntype = "rss"\nurl = "{kzfeed_http.url(f"/{n}.xml")}"\nevery = "1m"\nfull_content = false\n'
            for n in ("fresh", "busy", "plain")
        )
    )  # fmt: skip
    kzfeed("run")
    store = open_store(f"sqlite:///{tmp_path / 'var' / 'kzfeed.db'}")
    try:
        waits = {n: store.seconds_until_due([n]) or 0.0 for n in ("fresh", "busy", "plain")}
    finally:
        store.close()
    assert 7100 < waits["fresh"] <= 7201  # Cache-Control: max-age=7200 beats every = "1m"
    assert 5300 < waits["busy"] <= 5401  # Retry-After: 5400
    assert 50 < waits["plain"] <= 61


def test_sqlite_keeps_no_leases_and_no_workers(kzfeed: Kz, write_config: Write, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'kzfeed.db'}"
    files_config(write_config, url)
    store = open_store(url)
    try:
        store.register_worker("w:1", [("quick", "files", "")])
        assert store.claim_sources("w:1", ["quick"], limit=5, lease_seconds=60) == ["quick"]
        assert store.renew_leases("w:1", lease_seconds=60) == 0
        with store._engine.connect() as conn:
            assert (
                conn.execute(text("SELECT count(*) FROM sources WHERE lease_owner IS NOT NULL")).scalar() == 0
            )
            assert conn.execute(text("SELECT count(*) FROM workers")).scalar() == 0
    finally:
        store.close()
    assert kzfeed("run").exit_code == 0
    status = kzfeed("status")
    assert "workers: one at a time under the SQLite file lock (none tracked)" in status.stdout
    data = json.loads(kzfeed("status", "--json").stdout)
    assert data["workers"] == [] and data["workers_tracked"] is False


def _early_in_a_second(fraction: float = 0.9) -> None:
    """Sleep until this host's clock is ``fraction`` into a second."""
    time.sleep((fraction - time.time() % 1.0) % 1.0)


@pytest.mark.parametrize("how", ["with its items", "quiet"])
def test_a_source_is_not_due_again_before_its_wait_has_passed(tmp_path: Path, how: str) -> None:
    """A source saved near the end of a second is not claimable again at the start of the next:
    its wait counts from when it was saved, to the microsecond, not from the whole second (a
    source every second was fetched 0.8 s after the last fetch, by kzfeed watch)."""
    from kzfeed.models import SourceState

    store = open_store(f"sqlite:///{tmp_path / 'kzfeed.db'}")
    try:
        store.register_worker("w:1", [("quick", "files", "")])
        assert store.claim_sources("w:1", ["quick"], limit=1, lease_seconds=60) == ["quick"]
        _early_in_a_second()
        saved = time.time()
        if how == "quiet":
            store.finish_sources("w:1", {"quick": 0.5})
        else:
            store.save_source(state=SourceState(name="quick", type="files"), config_hash="", batch=[],
                              ok=True, due_in=0.5)  # fmt: skip
        time.sleep(max(0.0, 1.05 - time.time() % 1.0))  # into the next second
        claimed = store.claim_sources("w:1", ["quick"], limit=1, lease_seconds=60)
        waited = time.time() - saved
        wait = store.seconds_until_due(["quick"])
    finally:
        store.close()
    if waited < 0.5:
        assert claimed == [], f"claimed again {waited:.2f} s after it was saved with a wait of 0.5 s"
        assert wait is not None and 0 < wait <= 0.5 - waited + 0.05, wait


def test_status_lists_sources_overdue(kzfeed: Kz, write_config: Write, database_url: str) -> None:
    files_config(write_config, database_url)
    kzfeed("run")
    # quick is due 1 s (less a tenth at most) after it was stored: overdue by more than 1 s
    # 2.2 s later, however far into a second it was stored
    time.sleep(2.2)
    data = json.loads(kzfeed("status", "--json", "--overdue", "1s").stdout)
    assert [o["name"] for o in data["overdue_sources"]] == ["quick"]
    assert data["overdue_sources"][0]["overdue_s"] >= 1
    assert data["due_now"] == 1
    shown = kzfeed("status", "--overdue", "1s").stdout
    assert "overdue sources (due for more than 1s, in no worker's hand):\n  quick: due for 0 min" in shown
    assert "overdue sources: none (1 due now)" in kzfeed("status").stdout


def test_every_must_be_a_duration(kzfeed: Kz, write_config: Write) -> None:
    write_config('[[sources]]\nname = "s"\ntype = "files"\npath = "seeds"\nevery = "soon"\n')
    bad = kzfeed("run")
    assert bad.exit_code == 2
    assert "sources[0] ('s'): key 'every': duration 'soon' is not a duration" in bad.stderr
    write_config("[ops]\nevery = 30\n")
    assert "key 'ops.every' must be a duration in quotes, e.g. \"30m\"" in kzfeed("run").stderr


@pytest.mark.slow
def test_watch_fetches_each_source_when_it_is_due_and_stops_on_sigterm(
    project: Path, write_config: Write, kzfeed_http: LocalHTTPServer
) -> None:
    # quick is a feed on a loopback server, so that its fetches are timed where they arrive
    # (the lines watch prints come after each pass's rendering, whose length varies)
    kzfeed_http.route("/quick.xml", body=RSS.encode())
    write_config(
        f'database = "sqlite:///{project / "var" / "kzfeed.db"}"\n' + FETCH +
        '[[sources]]\nname = "hourly"\ntype = "files"\npath = "seeds"\nevery = "1h"\n'
        f'[[sources]]\nname = "quick"\ntype = "rss"\nurl = "{kzfeed_http.url("/quick.xml")}"\n'
        'every = "1s"\nfull_content = false\n'
        '[[sources]]\nname = "default"\ntype = "files"\npath = "seeds"\n'
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"}
    with subprocess.Popen(
        [*KZFEED, "watch"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**env, "PYTHONUNBUFFERED": "1"},
    ) as watch:  # fmt: skip
        assert watch.stdout is not None
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(watch.stdout or []))
        reader.start()
        deadline = time.monotonic() + 60
        while len([x for x in lines if " run " in x]) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        watch.send_signal(signal.SIGTERM)
        _, err = watch.communicate(timeout=30)
        reader.join()
    assert watch.returncode == 0, err
    assert "watch stopped" in err and "Traceback" not in err
    passes = [line.rstrip() for line in lines if " run " in line]
    assert len(passes) >= 3, lines
    assert passes[0].endswith("3 source(s), 11 new, 0 updated, 0 failed; feeds rendered"), passes
    # then quick alone, each time it is due again (its interval, 1 s, less up to a tenth)
    assert all(" 1 source(s)" in line for line in passes[1:3]), passes
    arrived = [r.arrived for r in kzfeed_http.requests_to("/quick.xml")]
    assert len(arrived) >= 3, arrived
    assert all(later - earlier >= 0.9 for earlier, later in itertools.pairwise(arrived)), arrived


def test_the_migration_keeps_each_source_s_wait_and_drops_the_rounds(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import create_engine, inspect

    from kzfeed.storage import alembic_config

    open_store(database_url).close()
    engine = create_engine(database_url)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "run_errors")  # the schema of rounds
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO rounds (scope, started_at) VALUES ('x', CURRENT_TIMESTAMP)"))
        conn.execute(
            text(
                "INSERT INTO sources (name, type, next_due, round_done, lease_owner, lease_expires) VALUES "
                "('waits', 'rss', '2099-01-01 00:00:00', 1, 'dead:1', '2099-01-01 00:00:00'), "
                "('fresh', 'rss', NULL, NULL, NULL, NULL)"
            )
        )
    engine.dispose()
    store = open_store(database_url)  # upgrades
    try:
        states = {s.name: s for s in store.source_states()}
        assert states["waits"].due_at is not None and states["waits"].due_at.year == 2099
        assert states["fresh"].due_at is None
        assert store.claim_sources("w:1", ["waits", "fresh"], limit=5, lease_seconds=60) == ["fresh"]
        tables = set(inspect(store._engine).get_table_names())
        assert "rounds" not in tables and "workers" in tables
    finally:
        store.close()


def test_a_source_whose_options_changed_is_due_at_once(
    kzfeed: Kz, write_config: Write, database_url: str
) -> None:
    files_config(write_config, database_url, quick="1h")
    kzfeed("run")
    config = Path("kzfeed.toml").read_text(encoding="utf-8")
    Path("kzfeed.toml").write_text(config.replace('every = "1h"\n', 'every = "1h"\nrecursive = true\n', 1))
    assert fetched(kzfeed("run", "--json")) == ["hourly"]


def test_a_source_s_items_run_record_and_due_time_are_one_transaction(
    kzfeed: Kz, write_config: Write, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under SQLite's run lock nobody else claims a source: what it stored, its line of the run
    and when it is due again are written together (issue 13: per-source bookkeeping batched),
    and are all there after the run. PostgreSQL workers write the last two as before."""
    from kzfeed.storage import Store

    sources = "".join(f'[[sources]]\nname = "s{n}"\ntype = "files"\npath = "seeds"\n' for n in range(5))
    write_config(f'database = "{database_url}"\n{sources}')
    extra: list[str] = []
    for method in ("record_source_run", "finish_sources"):
        original = getattr(Store, method)

        def counting(
            self: Store, *args: object, _original: Callable[..., None] = original, _name: str = method
        ) -> None:
            extra.append(_name)
            _original(self, *args)

        monkeypatch.setattr(Store, method, counting)
    assert fetched(kzfeed("run", "--json")) == [f"s{n}" for n in range(5)]
    if database_url.startswith("sqlite"):
        assert extra == []
    store = open_store(database_url)
    try:
        (run,) = store.last_runs()
        with store._engine.connect() as conn:
            due = conn.execute(text("SELECT count(*) FROM sources WHERE due_at IS NOT NULL")).scalar()
    finally:
        store.close()
    assert sorted(s.source for s in run.sources) == [f"s{n}" for n in range(5)]
    assert sum(s.new for s in run.sources) == run.new > 0  # each source's line as it stored it
    assert due == 5
    assert fetched(kzfeed("run", "--json")) == []  # each is due again later
