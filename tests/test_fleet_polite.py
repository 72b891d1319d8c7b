"""Several workers sharing one PostgreSQL database are polite as one client: per host at most
``per_host_concurrency`` requests at once and starts ``min_delay`` apart across all of them,
and robots.txt fetched once for the whole fleet. Whole ``kzfeed run`` processes against sites on
loopback addresses (tests/hostserver.py) that measure it per Host header."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hostserver import PoliteSites
from kzfeed.storage import open_store

pytestmark = pytest.mark.postgres

KZFEED = [sys.executable, "-c", "from kzfeed.cli import main; main()"]

MIN_DELAY = 1.0
# the wall clocks of PostgreSQL (``clock_timestamp()``) and of the sites (``time.time()``) are the
# same clock of this machine; a float of seconds since 1970 holds it to a microsecond
CLOCK_ROUNDING = 1e-5

PROBE_PLUGIN = """
from kzfeed import RawItem, hookimpl

class Probe:
    # fetches one page as web sources fetch article pages: robots.txt is checked first
    def __init__(self, name, options):
        self.name, self.url = name, options["url"]

    def fetch(self, ctx):
        got = ctx.http.get(self.url, source=ctx.source, check_robots=True)
        yield RawItem(guid=self.url, url=self.url, title=f"Kazakhstan and the EU ({self.name})",
                      text=got.text)

@hookimpl
def register_sources(register):
    register("probe", Probe)
"""


def fleet_project(
    project: Path, database_url: str, sites: PoliteSites, sources: list[str], min_delay: float = 0.2
) -> None:
    allow = ", ".join(f'"{sites.netloc(n)}"' for n in range(len(sites.hosts)))
    (project / "plugins").mkdir(exist_ok=True)
    (project / "plugins" / "probe.py").write_text(PROBE_PLUGIN, encoding="utf-8")
    (project / "kzfeed.toml").write_text(
        f'database = "{database_url}"\n'
        f"[fetch]\nworkers = 8\nper_host_concurrency = 2\nmin_delay = {min_delay}\nallow_private = [{allow}]\n"
        # the feeds are not looked at here: the workers store and leave them to `kzfeed render`
        + "[ops]\nrender = false\n"
        + "".join(sources),
        encoding="utf-8",
    )


def run_workers(project: Path, count: int, *args: str) -> list[dict[str, object]]:
    """``count`` workers started at once; their ``run --json`` summaries."""
    procs = [
        subprocess.Popen(
            [*KZFEED, "run", "--json", *args],
            cwd=project,
            env={**os.environ, "KZFEED_WORKER": f"w{n}"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]
    summaries = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        summaries.append(json.loads(out))
    return summaries


def sources_fetched_by_worker(database_url: str) -> dict[str, int]:
    store = open_store(database_url)
    with store._engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT r.worker, count(*) FROM run_sources s JOIN runs r ON r.id = s.run_id "
                "WHERE s.status IN ('ok', 'not_modified') GROUP BY r.worker"
            )
        ).all()
    store.close()
    return {str(worker).split(":")[0]: int(n) for worker, n in rows}


def log_turn_starts(database_url: str) -> None:
    """Keep, in ``turn_starts``, the start of every turn of a host the fleet gives out (the
    database's clock, when it reserves it: the host's next start, MIN_DELAY later, is written)."""
    store = open_store(database_url)
    with store._engine.begin() as conn:
        conn.execute(text("CREATE TABLE turn_starts (host text NOT NULL, start timestamptz NOT NULL)"))
        conn.execute(
            text(
                "CREATE FUNCTION log_turn_start() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "INSERT INTO turn_starts VALUES "
                f"(NEW.host, NEW.next_start - make_interval(secs => {MIN_DELAY})); RETURN NULL; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER log_turn_start AFTER UPDATE OF next_start ON host_gates "
                "FOR EACH ROW EXECUTE FUNCTION log_turn_start()"
            )
        )
    store.close()


def turn_starts(database_url: str) -> dict[str, list[float]]:
    """host -> the starts of its turns (seconds since 1970), in order."""
    store = open_store(database_url)
    with store._engine.connect() as conn:
        rows = conn.execute(
            text("SELECT host, extract(epoch FROM start)::float8 FROM turn_starts ORDER BY start")
        ).all()
    store.close()
    found: dict[str, list[float]] = {}
    for host, start in rows:
        found.setdefault(str(host), []).append(float(start))
    return found


def site(source: int) -> int:
    """Feeds three by three on each site in turn: the workers' threads meet on each site."""
    return (source // 3) % 20


def test_three_workers_keep_per_host_limits_across_the_fleet(project: Path, pg_server: object) -> None:
    database_url = pg_server.create_migrated_database()  # type: ignore[attr-defined]
    # each answer takes longer than two min_delay: without the concurrency limit, three overlap
    with PoliteSites(20, delay=2.5) as sites:
        sources = [
            f'[[sources]]\nname = "s{i}"\ntype = "rss"\nurl = "http://{sites.netloc(site(i))}/feed-{i}.xml"\n'
            for i in range(200)
        ]
        fleet_project(project, database_url, sites, sources, min_delay=MIN_DELAY)
        log_turn_starts(database_url)
        run_workers(project, 3)
        turns = turn_starts(database_url)
        by_worker = sources_fetched_by_worker(database_url)
        assert sum(by_worker.values()) == 200
        assert len([w for w, n in by_worker.items() if n]) >= 2, (
            f"the workers did not share the work: {by_worker}"
        )
        ahead: dict[str, float] = {}
        for n, host in enumerate(sites.hosts):
            key = sites.netloc(n)
            feeds = [p for p in sites.paths[key] if p.startswith("/feed-")]
            assert sorted(feeds) == sorted(f"/feed-{i}.xml" for i in range(200) if site(i) == n), (
                host
            )  # each once
            assert sites.max_in_flight[key] <= 2, f"{host}: {sites.max_in_flight[key]} requests at once"
            # the turns the fleet gave out are MIN_DELAY apart, and no request reached the site
            # ahead of its turn: the k-th request arrived no earlier than the k-th turn began.
            # (Arrivals themselves can be closer than MIN_DELAY: a request that reaches the site
            # late, its worker's thread or the site's waiting for a core on a loaded machine,
            # then the next one on time: on two busy cores, requests 0.73 s apart were seen,
            # and sends that reached the site up to 0.21 s after their worker woke for them.)
            starts = turns[host]
            assert len(starts) == len(sites.arrived_at[key]), (host, len(starts), len(sites.arrived_at[key]))
            gaps = [b - a for a, b in itertools.pairwise(starts)]
            assert min(gaps) >= MIN_DELAY - CLOCK_ROUNDING, f"{host}: turns {min(gaps):.6f} s apart"
            early = [
                turn - arrived for turn, arrived in zip(starts, sorted(sites.arrived_at[key]), strict=True)
            ]
            if max(early) > CLOCK_ROUNDING:
                ahead[host] = round(max(early), 6)
        assert not ahead, f"requests reached these sites ahead of their turns by (s): {ahead}"
        # the limit was reached (so it was tested) at most sites
        assert sum(sites.max_in_flight[sites.netloc(n)] == 2 for n in range(20)) >= 10, sites.max_in_flight
    store = open_store(database_url)
    with store._engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM items")).scalar_one()
        left = conn.execute(text("SELECT count(*) FROM host_turns")).scalar_one()
    store.close()
    assert stored == 400
    assert left == 0  # every turn was given back


def test_robots_txt_is_fetched_once_per_host_for_the_whole_fleet(project: Path, pg_server: object) -> None:
    database_url = pg_server.create_migrated_database()  # type: ignore[attr-defined]
    with PoliteSites(5, delay=0.05) as sites:
        sources = [
            f'[[sources]]\nname = "p{i}"\ntype = "probe"\nurl = "http://{sites.netloc(i % 5)}/page-{i}.html"\n'
            for i in range(40)
        ]
        fleet_project(project, database_url, sites, sources)
        run_workers(project, 3)
        assert len(sources_fetched_by_worker(database_url)) >= 2
        for n in range(5):
            assert sites.paths[sites.netloc(n)].count("/robots.txt") == 1, sites.paths[sites.netloc(n)]
            assert len([p for p in sites.paths[sites.netloc(n)] if p.startswith("/page-")]) == 8
        # a later run (here: every source again) reads robots.txt from the database, not the sites
        run_workers(project, 1, "--refetch")
        for n in range(5):
            assert sites.paths[sites.netloc(n)].count("/robots.txt") == 1
            assert len([p for p in sites.paths[sites.netloc(n)] if p.startswith("/page-")]) == 16


def test_workers_starting_together_on_new_sources_both_work(pg_server: object) -> None:
    """Two workers registering the same new sources at once (a fresh database, or sources just
    added to the config) each find their rows; neither fails on the other's insert."""
    import threading

    database_url = pg_server.create_migrated_database()  # type: ignore[attr-defined]
    first, second = open_store(database_url), open_store(database_url)
    errors: list[BaseException] = []
    with first._engine.connect() as conn:  # the first worker's insert, not committed yet
        conn.execute(text("INSERT INTO sources (name, type) VALUES ('new', 'rss')"))

        def register() -> None:
            try:
                second.register_worker("w2:2", [("new", "rss", "")])
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=register)
        thread.start()
        thread.join(0.5)  # waits on the first worker's row
        conn.commit()
    thread.join(30)
    first.close()
    second.close()
    assert errors == []


def waiting_for_lock(store: Any, thread: Any, timeout: float = 30) -> None:
    """Until a connection of this database waits for a lock (or ``thread`` ended)."""
    deadline = time.monotonic() + timeout
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while thread.is_alive() and time.monotonic() < deadline:
        with store._engine.connect() as conn:
            if conn.execute(query).scalar_one():
                return
        time.sleep(0.02)


@pytest.mark.parametrize("topics", [(), ("raw_materials",)])
def test_workers_storing_reports_of_one_story_at_once_both_commit(
    pg_server: object, topics: tuple[str, ...]
) -> None:
    """Two workers whose new items join the same story rewrite its rows in transactions that
    overlap: the second waits for the first and then writes them from every report (it died
    on the story's duplicate key, its source's items not stored; or, when the first had
    rewritten the story's topics, wrote them a second time)."""
    import threading

    from factories import make_item
    from kzfeed.models import SourceState
    from kzfeed.storage._storyrows import refresh_stories

    database_url = pg_server.create_migrated_database()  # type: ignore[attr-defined]
    first, second = open_store(database_url), open_store(database_url)
    item = make_item("a.txt", topics=topics)
    first.save_source(state=SourceState(name="test", type="files"), config_hash="x", batch=[item], ok=True)
    errors: list[BaseException] = []
    with first._engine.connect() as conn:  # the first worker's rewrite of the story, not committed yet
        refresh_stories(conn, [item.id])

        def rewrite() -> None:
            try:
                with second._engine.begin() as other:
                    refresh_stories(other, [item.id])
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=rewrite)
        thread.start()
        waiting_for_lock(first, thread)  # the second worker waits for the first's transaction
        conn.commit()
    thread.join(30)
    with first._engine.connect() as conn:
        rows = conn.execute(text("SELECT id, reports FROM stories")).all()
        story_topics = conn.execute(text("SELECT story_id, topic FROM story_topics")).all()
    first.close()
    second.close()
    assert errors == []
    assert [tuple(r) for r in rows] == [(item.id, 1)]
    assert [tuple(r) for r in story_topics] == [(item.id, t) for t in topics]
