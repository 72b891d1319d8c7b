"""Several workers on one PostgreSQL database: due sources claimed in batches on the database's
clock, short leases kept alive by a heartbeat, a killed worker's sources taken over, a skewed
clock harmless. Each worker is a separate ``kzfeed`` process, as in production."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from kzfeed.storage import head_revision, open_store
from kzfeed.testing._httpserver import LocalHTTPServer

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

KZFEED = [sys.executable, "-c", "from kzfeed.cli import main; main()"]
# rendering is not what these tests look at: a worker ending after another's render waits out
# what is left of render_every (tests/test_render_coalesced.py), 60 s by default
RENDER_EVERY = 'render_every = "1s"\n'

FEED = (
    "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Outlet {n}</title>"
    "<link>http://example.test/</link><description>d</description><language>en</language>"
    "<item><title>EU and Kazakhstan sign a lithium memorandum, outlet {n}</title><guid>g-{n}</guid>"
    "<link>http://example.test/{n}</link><description>Kazakhstan and the European Union agreed on "
    "critical raw materials and lithium.</description></item></channel></rss>"
)

# A source type whose fetch takes `delay` seconds and logs who fetched it, and (with
# KZFEED_TEST_SKEW set) a clock that many seconds off: the worker's host clock is wrong.
PLUGIN = """
import os, time
from datetime import timedelta
from kzfeed import RawItem, clock, hookimpl

if os.environ.get("KZFEED_TEST_SKEW"):
    _real, _skew = clock.now, timedelta(seconds=float(os.environ["KZFEED_TEST_SKEW"]))
    clock.now = lambda: _real() + _skew

class Slow:
    def __init__(self, name, options):
        self.name = name
        slow = options.get("slow_for") in (None, os.environ.get("KZFEED_WORKER"))
        self.delay = float(options.get("delay", 0.0)) if slow else 0.0

    def fetch(self, ctx):
        with open(os.environ["FETCH_LOG"], "a") as log:
            log.write(f"{self.name} {os.environ.get('KZFEED_WORKER', '-')} {time.time()}\\n")
        time.sleep(self.delay)
        for i in range(3):
            yield RawItem(guid=f"{self.name}-{i}", title=f"Kazakhstan and the EU agree on lithium ({self.name} {i})",
                          text="Astana and Brussels signed a memorandum on lithium and rare earths.")

@hookimpl
def register_sources(register):
    register("slow", Slow)
"""


def project_with(
    project: Path, database_url: str, sources: str, ops: str = "", fetch_workers: int = 1
) -> dict[str, str]:
    (project / "plugins").mkdir(exist_ok=True)
    (project / "plugins" / "slow.py").write_text(PLUGIN, encoding="utf-8")
    (project / "kzfeed.toml").write_text(
        f'database = "{database_url}"\n'
        f'[fetch]\nworkers = {fetch_workers}\nexempt_loopback = true\nallow_private = ["127.0.0.1"]\n'
        f'contact_url = "mailto:ops@example.org"\n[ops]\n{RENDER_EVERY}{ops}\n{sources}',
        encoding="utf-8",
    )
    return {**os.environ, "FETCH_LOG": str(project / "fetch.log")}


def slow_sources(delays: list[float], every: str = "30m", slow_for: str | None = None) -> str:
    only = f'slow_for = "{slow_for}"\n' if slow_for else ""
    return "".join(
        f'[[sources]]\nname = "s{n}"\ntype = "slow"\ndelay = {d}\nevery = "{every}"\n{only}'
        for n, d in enumerate(delays)
    )


def fetch_log(project: Path) -> list[tuple[str, str, float]]:
    log = project / "fetch.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return [(name, worker, float(at)) for name, worker, at in (line.split() for line in lines)]


def wait_until(what: str, check: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def item_counts(database_url: str) -> tuple[int, int]:
    store = open_store(database_url)
    with store._engine.connect() as conn:
        total, distinct = conn.execute(
            text("SELECT count(*), count(DISTINCT source || guid) FROM items")
        ).one()
    store.close()
    return int(total), int(distinct)


def workers(project: Path, env: dict[str, str], names: list[str], *args: str) -> list[subprocess.Popen[str]]:
    return [
        subprocess.Popen(
            [*KZFEED, *args], cwd=project, env={**env, "KZFEED_WORKER": name},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name in names
    ]  # fmt: skip


def finished(procs: list[subprocess.Popen[str]]) -> list[tuple[str, str]]:
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), [err for _, err in outputs]
    return outputs


def test_workers_started_together_on_an_empty_database_migrate_it_once(
    project: Path, pg_server: object
) -> None:
    url = pg_server.create_database()  # type: ignore[attr-defined]
    env = project_with(project, url, slow_sources([0.0] * 6))  # and no `kzfeed db upgrade`
    outputs = finished(workers(project, env, ["w0", "w1", "w2"], "run"))
    assert all("Traceback" not in err for _, err in outputs), outputs
    store = open_store(url, migrate_schema=False)
    try:
        with store._engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    finally:
        store.close()
    assert versions == [head_revision()]
    assert item_counts(url) == (18, 18)  # every source fetched and stored once


def test_three_workers_fetch_each_of_200_sources_once_per_due_period(
    project: Path, pg_server: object, kzfeed_http: LocalHTTPServer
) -> None:
    url = pg_server.create_migrated_database()  # type: ignore[attr-defined]
    sources = ""
    for n in range(200):
        path = f"/feeds/{n}.xml"
        # 50 ms an answer: one worker alone would take seconds, time for all three to start
        kzfeed_http.route(
            path, body=FEED.format(n=n).encode(), content_type="application/rss+xml", delay=0.05
        )
        sources += f'[[sources]]\nname = "f{n:03d}"\ntype = "rss"\nurl = "{kzfeed_http.url(path)}"\nevery = "1h"\nfull_content = false\n'
    # the feeds are not looked at here (the workers store 200 items and leave them to `kzfeed render`)
    env = project_with(project, url, sources, ops="claim_batch = 16\nrender = false\n", fetch_workers=4)

    def requests() -> Counter[str]:
        return Counter(r.path for r in kzfeed_http.requests if r.path.startswith("/feeds/"))

    reports = [
        json.loads(out) for out, _ in finished(workers(project, env, ["w0", "w1", "w2"], "run", "--json"))
    ]
    assert set(requests().values()) == {1} and len(requests()) == 200  # each source fetched once
    fetched_by = [{s["name"] for s in r["sources"] if s["status"] == "ok"} for r in reports]
    assert sum(len(f) for f in fetched_by) == 200 and len(set().union(*fetched_by)) == 200
    assert sum(1 for f in fetched_by if f) >= 2, f"the work was not shared: {[len(f) for f in fetched_by]}"
    assert item_counts(url) == (200, 200)
    # nothing is due again before its period is over: the next workers fetch nothing
    again = finished(workers(project, env, ["w0"], "run"))
    assert all("no source is due; the next one is in" in out for out, _ in again), again
    assert sum(requests().values()) == 200
    # once the period is over (the hour passed), each source is fetched once more, by one worker
    store = open_store(url)
    with store._engine.begin() as conn:
        conn.execute(text("UPDATE sources SET due_at = due_at - interval '1 hour'"))
    store.close()
    finished(workers(project, env, ["w0", "w1", "w2"], "run"))
    assert set(requests().values()) == {2} and len(requests()) == 200
    assert item_counts(url) == (200, 200)


def test_a_killed_worker_s_slow_source_is_taken_over_within_one_lease(
    project: Path, pg_server: object
) -> None:
    url = pg_server.create_migrated_database()  # type: ignore[attr-defined]
    lease = 2
    sources = slow_sources([6.0, 0.1, 0.1, 0.1], slow_for="a")  # slow in a's hands only
    env = project_with(project, url, sources, ops=f"lease_seconds = {lease}\n")
    (a,) = workers(project, env, ["a"], "run")
    wait_until("a to start s0", lambda: [n for n, _, _ in fetch_log(project)] == ["s0"])
    (b,) = workers(project, env, ["b"], "watch")
    # a holds s0 for longer than one lease: its heartbeat keeps it, b does not take it
    time.sleep(lease + 1)
    assert [(n, w) for n, w, _ in fetch_log(project)] == [("s0", "a")]
    store = open_store(url)
    try:
        (worker_a,) = [
            w for w in store.fleet_status(overdue_after=timedelta(0)).workers if w.name == f"a:{a.pid}"
        ]
    finally:
        store.close()
    assert "s0" in worker_a.sources and worker_a.heartbeat_age_s < lease
    os.kill(a.pid, signal.SIGKILL)
    killed = time.time()
    a.communicate()
    wait_until("b to take s0 over", lambda: ("s0", "b") in [(n, w) for n, w, _ in fetch_log(project)])
    taken = next(at for n, w, at in fetch_log(project) if (n, w) == ("s0", "b"))
    assert taken - killed <= lease + 2, f"taken over {taken - killed:.1f} s after the kill"
    wait_until("every source stored", lambda: item_counts(url)[0] == 12, timeout=20)
    time.sleep(lease)  # b sleeps until its sources are due again: its heartbeat goes on
    store = open_store(url)
    try:
        beats = {w.name: w.heartbeat_age_s for w in store.fleet_status(overdue_after=timedelta(0)).workers}
    finally:
        store.close()
    assert beats[f"b:{b.pid}"] < lease and beats[f"a:{a.pid}"] >= lease
    b.send_signal(signal.SIGTERM)
    _, err = b.communicate(timeout=30)
    assert b.returncode == 0 and "watch stopped" in err and "Traceback" not in err
    assert item_counts(url) == (12, 12)  # nothing stored twice, nothing lost
    assert sorted(n for n, w, _ in fetch_log(project) if w == "b") == ["s0", "s1", "s2", "s3"]
    after = json.loads(subprocess.run([*KZFEED, "status", "--json"], cwd=project, env=env,
                                      capture_output=True, text=True, check=True).stdout)  # fmt: skip
    (dead,) = after["workers"]  # b ended cleanly and left; a's row says it went silent
    assert dead["name"] == f"a:{a.pid}" and not dead["alive"] and dead["sources_in_hand"] == []
    assert after["overdue_sources"] == []


def test_a_worker_whose_clock_is_an_hour_off_changes_nothing(project: Path, pg_server: object) -> None:
    url = pg_server.create_migrated_database()  # type: ignore[attr-defined]
    lease = 2
    env = project_with(project, url, slow_sources([4.0] + [0.0] * 9), ops=f"lease_seconds = {lease}\n")
    ahead = {**env, "KZFEED_TEST_SKEW": "3600"}
    (normal,) = workers(project, env, ["normal"], "run")
    wait_until(
        "the normal worker to start s0", lambda: fetch_log(project)[:1] and fetch_log(project)[0][0] == "s0"
    )
    (skewed,) = workers(project, ahead, ["ahead"], "run")
    finished([normal, skewed])
    # by its own clock the leases of the normal worker ran out an hour ago: it took none of them
    names = [n for n, _, _ in fetch_log(project)]
    assert sorted(names) == sorted(f"s{n}" for n in range(10)), names
    assert {w for _, w, _ in fetch_log(project)} == {"normal", "ahead"}  # both worked
    assert item_counts(url) == (30, 30)
    # by its own clock every source is due again (30 minutes passed an hour ago): none is
    again = subprocess.run([*KZFEED, "run"], cwd=project, env={**ahead, "KZFEED_WORKER": "ahead"},
                           capture_output=True, text=True)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert re.search(r"no source is due; the next one is in (2[6-9]|30) min", again.stdout), again.stdout
    assert len(fetch_log(project)) == 10
    store = open_store(url)
    try:
        wait = store.seconds_until_due([f"s{n}" for n in range(10)])
    finally:
        store.close()
    assert wait is not None and 26 * 60 < wait <= 30 * 60
