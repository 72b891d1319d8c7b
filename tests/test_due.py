"""Sources are due, not rounds: each source's interval (``every``), moved later by what its
server asks; ``kzfeed run`` fetches what is due, ``kzfeed watch`` sleeps until the next one is;
``kzfeed status`` lists the overdue ones. SQLite (the default) keeps no leases and no workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from conftest import CliResult
from kzfeed.storage import open_store
from kzfeed.testing._httpserver import LocalHTTPServer

Kz = Callable[..., CliResult]
Write = Callable[[str], Path]
KZFEED = [sys.executable, "-c", "from kzfeed.cli import main; main()"]
FETCH = '[fetch]\nexempt_loopback = true\nallow_private = ["127.0.0.1"]\ncontact_url = "mailto:ops@example.org"\n'
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


def files_config(write_config: Write, database_url: str, extra: str = "") -> None:
    write_config(
        f'database = "{database_url}"\n{extra}'
        '[[sources]]\nname = "hourly"\ntype = "files"\npath = "seeds"\nevery = "1h"\n'
        '[[sources]]\nname = "quick"\ntype = "files"\npath = "seeds"\nevery = "1s"\n'
        '[[sources]]\nname = "default"\ntype = "files"\npath = "seeds"\n'
    )


def test_run_fetches_only_the_sources_that_are_due(kzfeed: Kz, write_config: Write, database_url: str) -> None:
    files_config(write_config, database_url)
    assert fetched(kzfeed("run", "--json")) == ["default", "hourly", "quick"]
    time.sleep(1.1)  # quick is due again; hourly and default ([ops] every, 30m) are not
    assert fetched(kzfeed("run", "--json")) == ["quick"]
    # named or --refetch: at once, due or not
    assert fetched(kzfeed("run", "--json", "--source", "hourly")) == ["hourly"]
    assert fetched(kzfeed("run", "--json", "--refetch")) == ["default", "hourly", "quick"]
    nothing = kzfeed("run")
    assert nothing.exit_code == 0
    assert nothing.stdout.startswith("new items: none\n")
    assert "no source is due; the next one is in 1 s" in nothing.stdout or "in 0 s" in nothing.stdout
    store = open_store(database_url)
    try:
        wait = store.seconds_until_due(["hourly", "default"])
    finally:
        store.close()
    assert wait is not None and 26 * 60 < wait <= 30 * 60  # [ops] every less up to a tenth


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
            f'[[sources]]\nname = "{n}"\ntype = "rss"\nurl = "{kzfeed_http.url(f"/{n}.xml")}"\nevery = "1m"\n'
            for n in ("fresh", "busy", "plain")
        )
    )  # fmt: skip
    kzfeed("run")
    store = open_store(f"sqlite:///{tmp_path / 'var' / 'kzfeed.db'}")
    try:
        waits = {n: store.seconds_until_due([n]) or 0.0 for n in ("fresh", "busy", "plain")}
    finally:
        store.close()
    assert 7100 < waits["fresh"] <= 7200  # Cache-Control: max-age=7200 beats every = "1m"
    assert 5300 < waits["busy"] <= 5400  # Retry-After: 5400
    assert 50 < waits["plain"] <= 60


def test_sqlite_keeps_no_leases_and_no_workers(kzfeed: Kz, write_config: Write, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'kzfeed.db'}"
    files_config(write_config, url)
    store = open_store(url)
    try:
        store.register_worker("w:1", [("quick", "files")])
        assert store.claim_sources("w:1", ["quick"], limit=5, lease_seconds=60) == ["quick"]
        assert store.renew_leases("w:1", lease_seconds=60) == 0
        with store._engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM sources WHERE lease_owner IS NOT NULL")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM workers")).scalar() == 0
    finally:
        store.close()
    assert kzfeed("run").exit_code == 0
    status = kzfeed("status")
    assert "workers: one at a time under the SQLite file lock (none tracked)" in status.stdout
    data = json.loads(kzfeed("status", "--json").stdout)
    assert data["workers"] == [] and data["workers_tracked"] is False


def test_status_lists_sources_overdue(kzfeed: Kz, write_config: Write, database_url: str) -> None:
    files_config(write_config, database_url)
    kzfeed("run")
    time.sleep(2.2)
    data = json.loads(kzfeed("status", "--json", "--overdue", "2s").stdout)
    assert [o["name"] for o in data["overdue_sources"]] == ["quick"]
    assert data["overdue_sources"][0]["overdue_s"] >= 1
    assert data["due_now"] == 1
    shown = kzfeed("status", "--overdue", "2s").stdout
    assert "overdue sources (due for more than 2s, in no worker's hand):\n  quick: due for 0 min" in shown
    assert "overdue sources: none (1 due now)" in kzfeed("status").stdout


def test_every_must_be_a_duration(kzfeed: Kz, write_config: Write) -> None:
    write_config('[[sources]]\nname = "s"\ntype = "files"\npath = "seeds"\nevery = "soon"\n')
    bad = kzfeed("run")
    assert bad.exit_code == 2
    assert "sources[0] ('s'): key 'every': duration 'soon' is not a duration" in bad.stderr
    write_config("[ops]\nevery = 30\n")
    assert 'key \'ops.every\' must be a duration in quotes, e.g. "30m"' in kzfeed("run").stderr


@pytest.mark.slow
def test_watch_fetches_each_source_when_it_is_due_and_stops_on_sigterm(project: Path, write_config: Write) -> None:
    files_config(write_config, f"sqlite:///{project / 'var' / 'kzfeed.db'}")
    with subprocess.Popen(
        [*KZFEED, "watch"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={k: v for k, v in os.environ.items() if k != "KZFEED_CONFIG"},
    ) as watch:  # fmt: skip
        time.sleep(4.5)
        watch.send_signal(signal.SIGTERM)
        out, err = watch.communicate(timeout=30)
    assert watch.returncode == 0, err
    assert "watch stopped" in err and "Traceback" not in err
    passes = [line for line in out.splitlines() if " run " in line]
    assert passes[0].endswith("3 source(s), 15 new, 0 updated, 0 failed; feeds rendered")
    # then quick alone, about once a second (its interval less up to a tenth)
    assert 2 <= len(passes) - 1 <= 6 and all(" 1 source(s)" in p for p in passes[1:]), passes
